/**
 * `fcompile/client`: the thin online client. Reads features that `fcompile load` wrote, in one
 * round trip per request. Imports no compiler, warehouse driver or template engine; the store's
 * driver (ioredis or better-sqlite3) is loaded only when its store is used.
 */
import { OnlineClient } from "./online-client.js";
import { OnlineError } from "../online/store-reader.js";
import { onlineStore } from "../online/stores.js";
import type { OnlineStoreConfig } from "../online/layout.js";
import { FeatureLog } from "./feature-log.js";
import type { FeatureLogOptions } from "./feature-log.js";

export { OnlineClient } from "./online-client.js";
export { isoMicros } from "./iso-micros.js";
/** The `eventMicros` of a row with no event before the read time (aggregation views; docs/aggregations.md). */
export { NO_EVENT } from "../online/aggregation-state.js";
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
export { OnlineError } from "../online/store-reader.js";
export { PushRowsError } from "../online/push/types.js";
export type { PushOptions, PushReport, PushRowProblem, PushRows } from "../online/push/types.js";
export type { OnlineErrorCode } from "../online/store-reader.js";

export type { OnlineStoreConfig } from "../online/layout.js";

export interface OnlineClientOptions {
  /** The project name (fcompile.yaml `name`): every key is namespaced by it. */
  project: string;
  store: OnlineStoreConfig;
  /**
   * Every read ends within this many milliseconds, with an OnlineError TIMEOUT if the store is slow. Default 1000.
   * Also how long a push step to SQLite waits for the write lock (held by a load for its whole
   * transaction) before TIMEOUT (docs/online.md).
   */
  timeoutMs?: number;
  /**
   * Log sampled entity rows of every read (rows and columns) to `path` as NDJSON, for `fcompile
   * monitor` (docs/online.md, "Logging served features"). Written asynchronously; `close()`
   * writes the rest.
   */
  logFeatures?: FeatureLogOptions;
}

/**
 * Connects to the online store (lazily: the first read opens the connection). Rejects with an
 * OnlineError BAD_REQUEST for an invalid project name, an unknown store type or a bad `logFeatures`, STORE for a SQLite
 * file that cannot be opened.
 */
export async function createOnlineClient(opts: OnlineClientOptions): Promise<OnlineClient> {
  if (typeof opts.project !== "string" || !/^[a-z][a-z0-9_]*$/.test(opts.project))
    throw new OnlineError(
      "BAD_REQUEST",
      `project name ${JSON.stringify(opts.project)} is not valid: give the project's fcompile.yaml 'name' (a lower-case letter, then lower-case letters, digits or underscores)`,
    );
  let log: FeatureLog | undefined;
  try {
    log = opts.logFeatures ? new FeatureLog(opts.logFeatures) : undefined;
  } catch (err) {
    throw new OnlineError("BAD_REQUEST", (err as Error).message);
  }
  const reader = await onlineStore(opts.store).openReader(opts.store, opts.project, { timeoutMs: opts.timeoutMs ?? 1000 });
  return new OnlineClient(reader, opts.project, log);
}
export { toJson } from "./json.js";
export type { FeatureLogOptions } from "./feature-log.js";
