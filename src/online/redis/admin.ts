/**
 * The Redis store's administration (online/admin.ts): a project's views and keys, and removing
 * every `fc:<project>:*` key (SCAN + UNLINK), never while a load holds the project's lock.
 */
import type { Redis } from "ioredis";
import { userError } from "../../diagnostics/diagnostic.js";
import type { OnlineStoreConfig } from "../../project/online-config.js";
import { layoutsOf } from "../admin.js";
import type { ClearedOnline, OnlineContents } from "../admin.js";
import { redisKeys } from "../layout.js";
import { redisError } from "./errors.js";
import { DEFAULT_REDIS_URL, redactRedisUrl } from "./url.js";

type Config = Extract<OnlineStoreConfig, { type: "redis" }>;

/** Connects to Redis or fails with FC016 naming the URL (no retry loop: these commands run once). */
async function connectRedis(url = DEFAULT_REDIS_URL): Promise<Redis> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null });
  redis.on("error", () => undefined); // surfaced through the failing command
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw userError("FC016", redisError(err, redactRedisUrl(url)).message);
  }
  return redis;
}

async function* projectKeys(redis: Redis, project: string): AsyncGenerator<string[]> {
  for await (const keys of redis.scanStream({ match: `fc:${project}:*`, count: 1000 }) as AsyncIterable<string[]>)
    if (keys.length > 0) yield keys;
}

export async function inspectRedis(store: Config, project: string, countEntries: boolean): Promise<OnlineContents> {
  const where = redactRedisUrl(store.url);
  const redis = await connectRedis(store.url);
  try {
    const k = redisKeys(project);
    const pointer = Object.entries(await redis.hgetall(k.pointer)).map(([v, n]) => [v, Number(n)] as [string, number]);
    const json = pointer.length > 0 ? await redis.hmget(k.meta, ...pointer.map(([, n]) => `v${n}`)) : [];
    let entries: number | undefined;
    if (countEntries) {
      entries = 0;
      for await (const keys of projectKeys(redis, project)) entries += keys.length;
    }
    return { store: where, views: layoutsOf(pointer, json), entries, loading: (await redis.exists(k.lock)) === 1 };
  } finally {
    redis.disconnect();
  }
}

/** Per view, the project's pushed-event keys (`fc:<project>:push:<view>:<entity key>`, one per entity), by one SCAN. */
export async function pushedEntriesRedis(store: Config, project: string): Promise<Map<string, number>> {
  const redis = await connectRedis(store.url);
  const prefix = `fc:${project}:push:`;
  const counts = new Map<string, number>();
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>)
      for (const key of keys) {
        const view = key.slice(prefix.length, key.indexOf(":", prefix.length));
        counts.set(view, (counts.get(view) ?? 0) + 1);
      }
    return counts;
  } finally {
    redis.disconnect();
  }
}

export async function clearRedis(store: Config, project: string, onProgress?: (removed: number) => void): Promise<ClearedOnline> {
  const redis = await connectRedis(store.url);
  try {
    if ((await redis.exists(redisKeys(project).lock)) === 1)
      throw userError(
        "FC016",
        `a load of project '${project}' is running on ${redactRedisUrl(store.url)}; wait for it to finish, then clean`,
      );
    let removed = 0;
    for await (const keys of projectKeys(redis, project)) {
      removed += await redis.unlink(...keys);
      onProgress?.(removed);
    }
    return { removed, fileRemoved: false };
  } finally {
    redis.disconnect();
  }
}
