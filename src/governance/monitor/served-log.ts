/**
 * Reading the served-feature log (docs/online.md, "Logging served features") for `fcompile
 * monitor`: a streaming NDJSON read, one line at a time, that keeps per feature (output name) its
 * statuses, its PRESENT values and their ages. Integers beyond 2^53 parse exactly (as bigint).
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { isSafeNumber, parse } from "lossless-json";
import type { FeatureStatus } from "../../client/types.js";
import { parseTimestamp } from "../../timestamps.js";

/** A PRESENT value as logged: a number (int64 beyond 2^53 as bigint or its digits), text (strings, timestamps, "NaN"), a boolean. */
export type LoggedValue = number | bigint | string | boolean;

/** What the log holds about one feature (output name). */
export interface ServedFeature {
  name: string;
  /** `view:feature`, as its first line names it. */
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

/** The statuses a read gives a feature (src/client/types.ts FeatureStatus; docs/semantics.md, "Online"). */
export const STATUSES: readonly FeatureStatus[] = ["PRESENT", "NULL_VALUE", "NOT_FOUND", "OUTSIDE_MAX_AGE", "BEFORE_STATE"];

/** What the reader asks the project about a line's features: why a `view:feature` or a PRESENT value is wrong, or undefined. */
export interface LogChecks {
  /** `ref` (`view:feature` as logged): undefined when the project has it. Asked once per distinct ref. */
  feature?(ref: string): string | undefined;
  /** A PRESENT, non-null value of `ref`: undefined when it is a value of the feature's type. */
  value?(ref: string, value: LoggedValue): string | undefined;
}

/** A log line that is not one of the format's: the message, and its 1-based line and column in the log. */
export class ServedLogError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
    this.name = "ServedLogError";
  }
}

/**
 * Reads `path` line by line. Throws ServedLogError at the line and column of a line that is not
 * JSON or not a log line: no requestTime or features, a feature without a status, a status that
 * is none of STATUSES, no `feature` (`view:feature`), or what `checks` refuses.
 */
export async function readServedLog(path: string, checks: LogChecks = {}): Promise<ServedLog> {
  const out: ServedLog = { path, lines: 0, firstRequest: null, lastRequest: null, features: new Map() };
  let first: bigint | undefined;
  let last: bigint | undefined;
  const knownRefs = new Set<string>();
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === "") continue;
    const fail = (message: string, name?: string, key?: string): never => {
      throw new ServedLogError(message, n, columnOf(text, name, key));
    };
    let line: unknown;
    try {
      line = parse(text, null, exactNumber);
    } catch (err) {
      const message = (err as Error).message;
      const at = /\s*at position (\d+)/.exec(message);
      throw new ServedLogError(`not JSON (${at ? message.replace(at[0], "") : message})`, n, at ? Number(at[1]) + 1 : 1);
    }
    const rec = line as { requestTime?: unknown; features?: unknown };
    if (typeof rec !== "object" || rec === null || typeof rec.requestTime !== "string" || typeof rec.features !== "object" || !rec.features)
      fail(`not a served-feature log line (expected {"requestTime", "service", "entity", "features"})`);
    const at = parseTimestamp(rec.requestTime as string);
    if (at === undefined) fail(`requestTime '${String(rec.requestTime)}' is not an ISO 8601 timestamp`, undefined, "requestTime");
    if (first === undefined || at! < first) [first, out.firstRequest] = [at, rec.requestTime as string];
    if (last === undefined || at! > last) [last, out.lastRequest] = [at, rec.requestTime as string];
    out.lines++;
    for (const [name, raw] of Object.entries(rec.features as Record<string, unknown>)) {
      const f = raw as { value?: unknown; status?: unknown; eventTimestamp?: unknown; feature?: unknown };
      if (typeof f !== "object" || f === null || typeof f.status !== "string") fail(`feature '${name}' has no status`, name);
      if (!STATUSES.includes(f.status as FeatureStatus))
        fail(`feature '${name}' has status '${String(f.status)}', not one of ${STATUSES.join(", ")}`, name, "status");
      if (typeof f.feature !== "string") fail(`feature '${name}' does not say which feature it is ("feature": "view:feature")`, name);
      const ref = f.feature as string;
      if (!knownRefs.has(ref)) {
        const problem = checks.feature?.(ref);
        if (problem !== undefined) fail(problem, name, "feature");
        knownRefs.add(ref);
      }
      let s = out.features.get(name);
      if (!s) out.features.set(name, (s = { name, ref, count: 0, statuses: {}, values: [], ages: [] }));
      s.count++;
      s.statuses[f.status as string] = (s.statuses[f.status as string] ?? 0) + 1;
      if (f.status !== "PRESENT" || f.value === null || f.value === undefined) continue;
      const problem = checks.value?.(ref, f.value as LoggedValue);
      if (problem !== undefined) fail(`feature '${name}': ${problem}`, name, "value");
      s.values.push(f.value as LoggedValue);
      const ts = typeof f.eventTimestamp === "string" ? parseTimestamp(f.eventTimestamp) : undefined;
      if (ts !== undefined) s.ages.push(Number(at! - ts) / 1e6);
    }
  }
  return out;
}

/** The 1-based column in `text` of `key`'s value in feature `name` (of the feature's key without `key`; of the line's `key` without `name`; 1 when not found). */
function columnOf(text: string, name?: string, key?: string): number {
  let from = 0;
  if (name !== undefined) {
    const m = new RegExp(`${escapeRegExp(JSON.stringify(name))}\\s*:\\s*`, "g");
    m.lastIndex = Math.max(0, text.indexOf('"features"'));
    const found = m.exec(text);
    if (!found) return 1;
    if (key === undefined) return found.index + 1;
    from = found.index + found[0].length;
  }
  if (key === undefined) return 1;
  const k = new RegExp(`"${escapeRegExp(key)}"\\s*:\\s*`, "g");
  k.lastIndex = from;
  const found = k.exec(text);
  return found ? found.index + found[0].length + 1 : from + 1;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** JSON numbers: a double, or a bigint for an integer a double cannot hold exactly. */
function exactNumber(text: string): number | bigint {
  if (isSafeNumber(text) || !/^-?\d+$/.test(text)) return Number(text);
  return BigInt(text);
}
