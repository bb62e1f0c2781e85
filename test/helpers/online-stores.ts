/**
 * Every online store the tests run on: one entry per store of `STORES` (src/online/stores.ts), so
 * a new store does not compile here until it has one, and then every online test loops over it.
 */
import path from "node:path";
import type { OnlineStoreConfig } from "../../src/project/online-config.js";
import { STORES } from "../../src/online/stores.js";
import type { OnlineStoreType } from "../../src/online/stores.js";
import { REDIS_URL, deleteProjectKeys } from "./redis.js";

interface TestStore<T extends OnlineStoreType> {
  /** fcompile.yaml's `online:` value (flow YAML) for a project folder. */
  yaml: string;
  /** The client's config of that store, for the project in `dir`. */
  config(dir: string): Extract<OnlineStoreConfig, { type: T }>;
  /** Removes what a test project left in the store (beyond its folder). */
  cleanup(project: string): Promise<unknown>;
}

export const TEST_STORES: { [T in OnlineStoreType]: TestStore<T> } = {
  sqlite: {
    yaml: "{type: sqlite, path: online.sqlite}",
    config: (dir) => ({ type: "sqlite", path: path.join(dir, "online.sqlite") }),
    cleanup: async () => undefined,
  },
  redis: {
    yaml: `{type: redis, url: "${REDIS_URL}"}`,
    config: () => ({ type: "redis", url: REDIS_URL }),
    cleanup: (project) => deleteProjectKeys(project),
  },
};

/** Every store type, in registry order: what the online tests loop over. */
export const STORE_TYPES = Object.keys(STORES) as OnlineStoreType[];
