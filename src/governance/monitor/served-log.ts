/**
 * Reading the served-feature log (docs/online.md, "Logging served features") for `fcompile
 * monitor`: a streaming NDJSON read, one line at a time, that keeps per feature (output name) its
 * statuses, its PRESENT values and their ages. Integers beyond 2^53 parse exactly (as bigint).
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { isSafeNumber, parse } from "lossless-json";
import { parseTimestamp } from "../../timestamps.js";

/** A PRESENT value as logged: a number (int64 beyond 2^53 as bigint or its digits), text (strings, timestamps, "NaN"), a boolean. */
export type LoggedValue = number | bigint | string | boolean;

/** What the log holds about one feature (output name). */
export interface ServedFeature {
  name: string;
  /** `view:feature` of its first line that names one, else null. */
  ref: string | null;
  /** Lines (sampled entity rows) that carry the feature. */
  count: number;
  /** How many of them had each status (PRESENT, NULL_VALUE, NOT_FOUND, OUTSIDE_MAX_AGE, BEFORE_STATE). */
  statuses: Record<string, number>;
  /** The PRESENT values, in log order. */
  values: LoggedValue[];
  /** For PRESENT values with an event timestamp: requestTime − eventTimestamp, in seconds. */
  ages: number[];
}

/** The whole log, per feature. */
export interface ServedLog {
  path: string;
  /** Lines read (blank lines skipped). */
  lines: number;
  /** Earliest and latest requestTime, ISO as logged (null for an empty log). */
  firstRequest: string | null;
  lastRequest: string | null;
  features: Map<string, ServedFeature>;
}

/** A log line that is not one of the format's (thrown with the file and 1-based line number). */
export class ServedLogError extends Error {}

/** Reads `path` line by line. Throws ServedLogError naming the line for a line that is not JSON or not a log line. */
export async function readServedLog(path: string): Promise<ServedLog> {
  const out: ServedLog = { path, lines: 0, firstRequest: null, lastRequest: null, features: new Map() };
  let first: bigint | undefined;
  let last: bigint | undefined;
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === "") continue;
    let line: unknown;
    try {
      line = parse(text, null, exactNumber);
    } catch (err) {
      throw new ServedLogError(`${path}:${n}: not JSON (${(err as Error).message})`);
    }
    const rec = line as { requestTime?: unknown; features?: unknown };
    if (typeof rec !== "object" || rec === null || typeof rec.requestTime !== "string" || typeof rec.features !== "object" || !rec.features)
      throw new ServedLogError(`${path}:${n}: not a served-feature log line (expected {"requestTime", "service", "entity", "features"})`);
    const at = parseTimestamp(rec.requestTime);
    if (at === undefined) throw new ServedLogError(`${path}:${n}: requestTime '${rec.requestTime}' is not an ISO 8601 timestamp`);
    if (first === undefined || at < first) [first, out.firstRequest] = [at, rec.requestTime];
    if (last === undefined || at > last) [last, out.lastRequest] = [at, rec.requestTime];
    out.lines++;
    for (const [name, raw] of Object.entries(rec.features as Record<string, unknown>)) {
      const f = raw as { value?: unknown; status?: unknown; eventTimestamp?: unknown; feature?: unknown };
      if (typeof f !== "object" || f === null || typeof f.status !== "string")
        throw new ServedLogError(`${path}:${n}: feature '${name}' has no status`);
      let s = out.features.get(name);
      if (!s) out.features.set(name, (s = { name, ref: null, count: 0, statuses: {}, values: [], ages: [] }));
      if (s.ref === null && typeof f.feature === "string") s.ref = f.feature;
      s.count++;
      s.statuses[f.status] = (s.statuses[f.status] ?? 0) + 1;
      if (f.status !== "PRESENT" || f.value === null || f.value === undefined) continue;
      s.values.push(f.value as LoggedValue);
      const ts = typeof f.eventTimestamp === "string" ? parseTimestamp(f.eventTimestamp) : undefined;
      if (ts !== undefined) s.ages.push(Number(at - ts) / 1e6);
    }
  }
  return out;
}

/** JSON numbers: a double, or a bigint for an integer a double cannot hold exactly. */
function exactNumber(text: string): number | bigint {
  if (isSafeNumber(text) || !/^-?\d+$/.test(text)) return Number(text);
  return BigInt(text);
}
