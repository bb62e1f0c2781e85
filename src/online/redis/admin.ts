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
import type { PushedState } from "../stores.js";
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

/**
 * What pushes left for the project (OnlineStore.pushedState): its pushed-event keys
 * (`fc:<project>:push:<view>:<entity key>`, one per entity) by one SCAN, the newest hash, and the
 * pushed-ids sorted sets (`fc:<project>:pushed-ids:<source>`), newest first.
 */
export async function pushedStateRedis(store: Config, project: string, idLimit: number): Promise<PushedState> {
  const redis = await connectRedis(store.url);
  const k = redisKeys(project);
  const prefix = `fc:${project}:push:`;
  const idsPrefix = k.pushedIds("");
  const state: PushedState = { entries: new Map(), newest: new Map(), ids: new Map() };
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>)
      for (const key of keys) {
        const view = key.slice(prefix.length, key.indexOf(":", prefix.length));
        state.entries.set(view, (state.entries.get(view) ?? 0) + 1);
      }
    if (idLimit > 0)
      for await (const keys of redis.scanStream({ match: `${idsPrefix}*`, count: 1000 }) as AsyncIterable<string[]>)
        for (const key of keys) state.ids.set(key.slice(idsPrefix.length), await redis.zrevrange(key, 0, idLimit - 1));
    for (const [view, micros] of Object.entries(await redis.hgetall(k.newest))) state.newest.set(view, BigInt(micros));
    return state;
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
