/**
 * The Redis online store (README "The online store"): its writer and reader, each loaded (with
 * ioredis) only when a Redis store is used.
 */
import type { OnlineStoreConfig } from "../../project/online-config.js";
import type { OnlineStore } from "../stores.js";
import { redactRedisUrl } from "./url.js";

type Config = Extract<OnlineStoreConfig, { type: "redis" }>;

export const redisStore: OnlineStore<Config> = {
  where: (config) => redactRedisUrl(config.url),
  async openWriter(config, project, opts) {
    const { openRedisWriter } = await import("./writer.js");
    return openRedisWriter(config.url, project, opts);
  },
  async openReader(config, project, opts) {
    const { openRedisReader } = await import("./reader.js");
    return openRedisReader(config.url, project, opts.timeoutMs);
  },
  async inspect(config, project, countEntries) {
    const { inspectRedis } = await import("./admin.js");
    return inspectRedis(config, project, countEntries);
  },
  async pushedState(config, project, idLimit) {
    const { pushedStateRedis } = await import("./admin.js");
    return pushedStateRedis(config, project, idLimit);
  },
  async clear(config, project, onProgress) {
    const { clearRedis } = await import("./admin.js");
    return clearRedis(config, project, onProgress);
  },
};
