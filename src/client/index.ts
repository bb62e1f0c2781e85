/**
 * `fcompile/client`: the thin online client. Reads features that `fcompile load` wrote, in one
 * round trip per request. Imports no compiler, warehouse driver or template engine; the store's
 * driver (ioredis or better-sqlite3) is loaded only when its store is used.
 */
import { OnlineClient } from "./online-client.js";
import { OnlineError } from "./store-reader.js";
import type { StoreReader } from "./store-reader.js";
import type { OnlineStoreConfig } from "../online/layout.js";

export { OnlineClient } from "./online-client.js";
export { isoMicros } from "./iso-micros.js";
export type {
  ColumnValues,
  FeatureColumn,
  FeatureScalar,
  FeatureStatus,
  FeatureValue,
  GetOnlineFeatureColumnsResponse,
  GetOnlineFeaturesRequest,
  GetOnlineFeaturesResponse,
  OnlineRow,
  ScalarOf,
} from "./types.js";
export { OnlineError } from "./store-reader.js";
export type { OnlineErrorCode } from "./store-reader.js";

export type { OnlineStoreConfig } from "../online/layout.js";

export interface OnlineClientOptions {
  /** The project name (fcompile.yaml `name`): every key is namespaced by it. */
  project: string;
  store: OnlineStoreConfig;
  /** Every read ends within this many milliseconds, with an OnlineError TIMEOUT if the store is slow. Default 1000. */
  timeoutMs?: number;
}

/** Connects to the online store (lazily: the first read opens the connection). */
export async function createOnlineClient(opts: OnlineClientOptions): Promise<OnlineClient> {
  if (!/^[a-z][a-z0-9_]*$/.test(opts.project)) throw new OnlineError("BAD_REQUEST", `project name '${opts.project}' is not valid`);
  const timeoutMs = opts.timeoutMs ?? 1000;
  let reader: StoreReader;
  if (opts.store.type === "redis") {
    const { Redis } = await import("ioredis");
    const { RedisReader } = await import("./redis-reader.js");
    const redis = new Redis(opts.store.url ?? "redis://127.0.0.1:6379/0", {
      lazyConnect: false,
      commandTimeout: timeoutMs,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 1,
      // Reconnect forever, backing off to 1 s: reads fail fast while Redis is away and work again when it is back.
      retryStrategy: (times) => Math.min(times * 100, 1000),
    });
    redis.on("error", () => undefined); // surfaced to the reads that fail
    reader = new RedisReader(redis, opts.project, timeoutMs);
  } else {
    const { default: Database } = await import("better-sqlite3");
    const { SqliteReader } = await import("./sqlite-reader.js");
    let db;
    try {
      db = new Database(opts.store.path, { readonly: true, fileMustExist: true, timeout: timeoutMs });
    } catch (err) {
      throw new OnlineError(
        "STORE",
        `cannot open the online store ${opts.store.path}: ${(err as Error).message} (run 'fcompile load' first)`,
      );
    }
    reader = new SqliteReader(db, opts.project);
  }
  return new OnlineClient(reader);
}
export { toJson } from "./json.js";
