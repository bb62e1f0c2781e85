/**
 * Feast's push request (`POST /push` of its feature server, PushFeaturesRequest): the push
 * source's name, the rows as columns (`df`: column name → array of values, equal lengths), and
 * where they go. Feast's `allow_registry_cache` is accepted and ignored (fcompile reads no
 * registry at request time).
 */
import { RequestError } from "./feast-mapping.js";

/** Where pushed rows go (Feast's PushMode): the online store (default), the warehouse, or both. */
export type PushTo = "online" | "offline" | "online_and_offline";

/** The values of `to`. */
export const PUSH_TO: readonly PushTo[] = ["online", "offline", "online_and_offline"];

/** A parsed push request. */
export interface PushRequest {
  source: string;
  /** Column name → values, all of one length. */
  columns: Record<string, unknown[]>;
  /** The number of rows. */
  rows: number;
  to: PushTo;
}

/** The most rows one request may carry (default of `serve --max-push-rows`). */
export const DEFAULT_MAX_PUSH_ROWS = 10_000;

const KEYS = new Set(["push_source_name", "df", "to", "allow_registry_cache"]);

/** Checks a parsed JSON body; throws RequestError (400, 413) saying what is wrong. */
export function parsePushRequest(body: unknown, maxRows = DEFAULT_MAX_PUSH_ROWS): PushRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new RequestError(400, `send a JSON object: {"push_source_name": "…", "df": {"column": [values…]}, "to": "online"}`);
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !KEYS.has(k));
  if (unknown.length > 0)
    throw new RequestError(
      400,
      `unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}: use ${[...KEYS].join(", ")}`,
    );
  if (typeof b.push_source_name !== "string" || b.push_source_name === "")
    throw new RequestError(400, "'push_source_name' must be the name of a push source (a string)");
  if (b.allow_registry_cache !== undefined && typeof b.allow_registry_cache !== "boolean")
    throw new RequestError(400, "'allow_registry_cache' must be true or false");
  const to = b.to === undefined ? "online" : b.to;
  if (typeof to !== "string" || !(PUSH_TO as string[]).includes(to))
    throw new RequestError(400, `'to' must be one of ${PUSH_TO.map((t) => `"${t}"`).join(", ")} (got ${JSON.stringify(b.to)})`);
  const df = b.df;
  if (typeof df !== "object" || df === null || Array.isArray(df))
    throw new RequestError(400, `'df' must be an object of columns: {"column": [value, …], …}`);
  const entries = Object.entries(df as Record<string, unknown>);
  if (entries.length === 0) throw new RequestError(400, "'df' has no columns");
  const bad = entries.find(([, v]) => !Array.isArray(v));
  if (bad) throw new RequestError(400, `'df' column '${bad[0]}' must be an array of values`);
  const n = (entries[0]![1] as unknown[]).length;
  const uneven = entries.find(([, v]) => (v as unknown[]).length !== n);
  if (uneven)
    throw new RequestError(
      400,
      `'df' columns must have equal lengths (one value per row): '${entries[0]![0]}' has ${n}, '${uneven[0]}' has ${(uneven[1] as unknown[]).length}`,
    );
  if (n > maxRows)
    throw new RequestError(
      413,
      `${n} rows in one push; at most ${maxRows} per request: send them in several requests, or start the server with a larger 'fcompile serve --max-push-rows'`,
    );
  return { source: b.push_source_name, columns: Object.fromEntries(entries) as Record<string, unknown[]>, rows: n, to: to as PushTo };
}

/** Columns → rows (objects by column name; own properties, so a column named like an Object.prototype member stays data). */
export function columnsToRows(columns: Record<string, unknown[]>, n: number): Record<string, unknown>[] {
  const entries = Object.entries(columns);
  return Array.from({ length: n }, (_, i) => Object.fromEntries(entries.map(([k, v]) => [k, v[i]])));
}
