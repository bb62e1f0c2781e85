/**
 * Every online store by config type: its writer (for `load`) and its reader (for the client), in
 * one record. A store lives in its own folder (src/online/<type>/: index.ts, writer.ts, reader.ts);
 * adding one means that folder, its config in src/project/online-config.ts and config.schema.json,
 * and one line here — `STORES` does not compile until every config type has an entry. Importing
 * this module loads no store driver: each store imports its writer or reader when first used.
 */
import type { OnlineStoreConfig } from "../project/online-config.js";
import type { ClearedOnline, OnlineContents } from "./admin.js";
import type { OnlineWriter, WriterOptions } from "./online-writer.js";
import { redisStore } from "./redis/index.js";
import { sqliteStore } from "./sqlite/index.js";
import { OnlineError } from "./store-reader.js";
import type { StoreReader } from "./store-reader.js";

/** What pushes left in a store (OnlineStore.pushedState); views and sources without any are left out. */
export interface PushedState {
  /** Per view: entities holding pushed events in the push area (aggregation events at or after the load's end, plain rows). */
  entries: Map<string, number>;
  /** Per view: the newest event time pushed to it since its load, in µs, when later than the load's end. */
  newest: Map<string, bigint>;
  /** Per push source with a dedupe_key: ids of events pushed to it that the store keeps (newest first, at most idLimit). */
  ids: Map<string, string[]>;
}

/** The config types of the online stores (fcompile.yaml `online.type`). */
export type OnlineStoreType = OnlineStoreConfig["type"];

/** One online store: how to say where it is, and how to open its writer and its reader. */
export interface OnlineStore<C extends OnlineStoreConfig> {
  /** Where the store is, for messages and summaries: a URL with its password redacted, a file path. */
  where(config: C): string;
  /** Opens the store for a load; fails with an OnlineError naming the store if it cannot be reached. */
  openWriter(config: C, project: string, opts: WriterOptions): Promise<OnlineWriter>;
  /** Opens the store for reads; each read ends within `timeoutMs`. */
  openReader(config: C, project: string, opts: { timeoutMs: number }): Promise<StoreReader>;
  /** What a project has in the store (`status`, `clean`); `countEntries` also counts its keys or rows. */
  inspect(config: C, project: string, countEntries: boolean): Promise<OnlineContents>;
  /**
   * What pushes left in the store for a project (`verify`): per view, how many entities hold pushed
   * events in the push area and the newest event time pushed to it (µs) since its load; per push
   * source with a dedupe_key, the ids of the events pushed to it (the newest `idLimit` kept ones).
   * A store that has never taken a push answers empty maps.
   */
  pushedState(config: C, project: string, idLimit: number): Promise<PushedState>;
  /** Removes a project from the store (`clean`); never while one of its loads runs. */
  clear(config: C, project: string, onProgress?: (removed: number) => void): Promise<ClearedOnline>;
}

/** Every online store, by config type. */
export const STORES: { [T in OnlineStoreType]: OnlineStore<Extract<OnlineStoreConfig, { type: T }>> } = {
  redis: redisStore,
  sqlite: sqliteStore,
};

/**
 * The store of a config. An unknown type (a config built in code, since fcompile.yaml's is checked
 * by its schema) is an OnlineError BAD_REQUEST listing the known ones, never a silent default.
 */
export function onlineStore<C extends OnlineStoreConfig>(config: C): OnlineStore<C> {
  const type = (config as { type?: unknown } | undefined)?.type;
  const store = typeof type === "string" && Object.hasOwn(STORES, type) ? STORES[type as OnlineStoreType] : undefined;
  if (!store)
    throw new OnlineError(
      "BAD_REQUEST",
      `unknown online store type ${JSON.stringify(type)} (known: ${Object.keys(STORES).join(", ")}); set online.type in fcompile.yaml`,
    );
  return store as unknown as OnlineStore<C>;
}
