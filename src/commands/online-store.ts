/**
 * What a project has in its online store, read from the store's own layout (README, "The online
 * store"): the pointer (view → loaded version) and each version's layout (end time, rows, when
 * loaded). Used by `status` to compare with the warehouse and by `clean` to remove a project from
 * the store. Each driver is loaded only when its store is used.
 */
import { existsSync, rmSync } from "node:fs";
import type { Redis } from "ioredis";
import { unreachable } from "../compile/relations.js";
import { userError } from "../diagnostics/diagnostic.js";
import { redisKeys } from "../online/layout.js";
import type { OnlineStoreConfig, ViewLayout } from "../online/layout.js";
import { DEFAULT_REDIS_URL, redactRedisUrl } from "../online/redis/url.js";
import { onlineStore } from "../online/stores.js";

/** A project's contents in its online store. */
export interface OnlineContents {
  /** Where the store is: the SQLite file, or the Redis URL with its password hidden. */
  store: string;
  /** Per loaded view, the layout of the version readers see (version, end time, rows, loadedAt). */
  views: Map<string, ViewLayout>;
  /** Redis: the project's keys (`fc:<project>:*`); SQLite: its value rows. Undefined unless counted. */
  entries?: number;
  /** Redis: a load holds the project's lock right now. */
  loading: boolean;
}

/** The SQLite online store's tables (README, "The online store"). */
const SQLITE_TABLES = ["fc_pointer", "fc_meta", "fc_values"];

/** Where a store is, for messages (a file path, a URL with its password hidden). */
export function storeName(store: OnlineStoreConfig): string {
  return onlineStore(store).where(store);
}

/** Connects to Redis or fails with FC016 naming the URL (no retry loop: these commands run once). */
async function connectRedis(url = DEFAULT_REDIS_URL): Promise<Redis> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null });
  redis.on("error", () => undefined); // surfaced through the failing command
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw userError("FC016", `cannot connect to the online store ${redactRedisUrl(url)}: ${(err as Error).message}; is Redis running?`);
  }
  return redis;
}

async function* projectKeys(redis: Redis, project: string): AsyncGenerator<string[]> {
  for await (const keys of redis.scanStream({ match: `fc:${project}:*`, count: 1000 }) as AsyncIterable<string[]>)
    if (keys.length > 0) yield keys;
}

/** Parses the layouts of the pointed-to versions; a missing or unreadable layout leaves the view out. */
function layoutsOf(pointer: [view: string, version: number][], json: (string | null | undefined)[]): Map<string, ViewLayout> {
  const views = new Map<string, ViewLayout>();
  pointer.forEach(([view], i) => {
    const text = json[i];
    if (text) views.set(view, JSON.parse(text) as ViewLayout);
  });
  return views;
}

/**
 * Reads what `project` has in its online store, without changing it. A SQLite file that does
 * not exist, or a Redis without the project's keys, has no views. `countEntries` also counts its
 * keys or values (on Redis a SCAN of the whole keyspace). Throws FC016 if Redis is down.
 */
export async function inspectOnline(store: OnlineStoreConfig, project: string, countEntries = false): Promise<OnlineContents> {
  switch (store.type) {
    case "redis":
      return inspectRedis(store, project, countEntries);
    case "sqlite":
      return inspectSqlite(store, project, countEntries);
    default:
      return unreachable(store);
  }
}

async function inspectRedis(
  store: Extract<OnlineStoreConfig, { type: "redis" }>,
  project: string,
  countEntries: boolean,
): Promise<OnlineContents> {
  const where = storeName(store);
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

async function inspectSqlite(
  store: Extract<OnlineStoreConfig, { type: "sqlite" }>,
  project: string,
  countEntries: boolean,
): Promise<OnlineContents> {
  const where = storeName(store);
  const empty = { store: where, views: new Map<string, ViewLayout>(), entries: countEntries ? 0 : undefined, loading: false };
  if (!existsSync(store.path)) return empty;
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(store.path, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    const have = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    if (!SQLITE_TABLES.every((t) => have.includes(t))) return empty;
    const pointer = (
      db.prepare("SELECT view, version FROM fc_pointer WHERE project = ? ORDER BY view").all(project) as {
        view: string;
        version: number;
      }[]
    ).map((p) => [p.view, p.version] as [string, number]);
    const meta = db.prepare("SELECT value FROM fc_meta WHERE project = ? AND name = ?").pluck();
    const json = pointer.map(([, n]) => meta.get(project, `v${n}`) as string | undefined);
    const entries = countEntries
      ? (db
          .prepare("SELECT count(*) FROM fc_values WHERE version IN (SELECT version FROM fc_pointer WHERE project = ?)")
          .pluck()
          .get(project) as number)
      : undefined;
    return { store: where, views: layoutsOf(pointer, json), entries, loading: false };
  } finally {
    db.close();
  }
}

/**
 * Removes everything `project` has in its online store: on Redis every `fc:<project>:*` key
 * (SCAN + UNLINK), on SQLite the project's rows in one transaction, and the file itself (with its
 * WAL) when no other project and no other table is left in it. Other projects are untouched.
 * Throws FC016 while a load of the project is running. Returns the keys or value rows removed;
 * `onProgress` gets the count so far after each batch (Redis).
 */
export async function clearOnline(
  store: OnlineStoreConfig,
  project: string,
  onProgress?: (removed: number) => void,
): Promise<{ removed: number; fileRemoved: boolean }> {
  switch (store.type) {
    case "redis":
      return clearRedis(store, project, onProgress);
    case "sqlite":
      return clearSqlite(store, project);
    default:
      return unreachable(store);
  }
}

async function clearRedis(
  store: Extract<OnlineStoreConfig, { type: "redis" }>,
  project: string,
  onProgress?: (removed: number) => void,
): Promise<{ removed: number; fileRemoved: boolean }> {
  const redis = await connectRedis(store.url);
  try {
    if ((await redis.exists(redisKeys(project).lock)) === 1)
      throw userError("FC016", `a load of project '${project}' is running on ${storeName(store)}; wait for it to finish, then clean`);
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

async function clearSqlite(
  store: Extract<OnlineStoreConfig, { type: "sqlite" }>,
  project: string,
): Promise<{ removed: number; fileRemoved: boolean }> {
  if (!existsSync(store.path)) return { removed: 0, fileRemoved: false };
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(store.path, { fileMustExist: true, timeout: 5000 });
  let removed = 0;
  let alone = false;
  try {
    const have = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    if (SQLITE_TABLES.every((t) => have.includes(t))) {
      try {
        db.exec("BEGIN IMMEDIATE");
      } catch (err) {
        if (/locked|busy/i.test((err as Error).message))
          throw userError("FC016", `a load is writing ${store.path}; wait for it to finish, then clean`);
        throw err;
      }
      try {
        const versions = new Set([
          ...(db.prepare("SELECT version FROM fc_pointer WHERE project = ?").pluck().all(project) as number[]),
          ...(db.prepare("SELECT name FROM fc_meta WHERE project = ? AND name GLOB 'v[0-9]*'").pluck().all(project) as string[]).map((n) =>
            Number(n.slice(1)),
          ),
        ]);
        const del = db.prepare("DELETE FROM fc_values WHERE version = ?");
        for (const v of versions) removed += del.run(v).changes;
        db.prepare("DELETE FROM fc_pointer WHERE project = ?").run(project);
        db.prepare("DELETE FROM fc_meta WHERE project = ?").run(project);
        db.exec("COMMIT");
      } catch (err) {
        db.exec("ROLLBACK");
        throw err;
      }
    }
    const others =
      (db
        .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT IN ('fc_pointer', 'fc_meta', 'fc_values')")
        .pluck()
        .get() as number) +
      (SQLITE_TABLES.every((t) => have.includes(t))
        ? (db
            .prepare(
              "SELECT (SELECT count(*) FROM fc_pointer) + (SELECT count(*) FROM fc_meta WHERE project <> '*') + (SELECT count(*) FROM fc_values)",
            )
            .pluck()
            .get() as number)
        : 0);
    alone = others === 0;
  } finally {
    db.close();
  }
  // The file held only this project: it goes too, with its journals.
  if (alone) for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(store.path + suffix, { force: true });
  return { removed, fileRemoved: alone };
}
