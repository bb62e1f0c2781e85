/**
 * Pushed values converted to what the online store packs (docs/push.md, "Values"): each function
 * gives the converted value, or throws a {@link BadValue} saying why not. Imports nothing but
 * timestamp parsing, so the client stays small.
 */
import { formatTimestamp, parseTimestamp } from "../../timestamps.js";
import type { OnlineValue } from "../codec.js";
import type { ColumnCheck, DistinctTextKind, OnlineType } from "../layout.js";

/** A value that does not convert: its message is the row problem's reason. */
export class BadValue extends Error {}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
const NUMBER_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

// Also as JSON text ("\"NaN\""): how a file's JSON-typed column (NDJSON of mixed types) gives a string.
const NON_FINITE_TEXT = /^\s*("?)[+-]?(nan|inf|infinity)\1\s*$/i;

/** Why a float value is refused: NaN and ±Infinity are not values (the reason of a bad row, online and offline alike). */
export function notFinite(v: unknown): string {
  return `${show(v)} is not a finite number; send null for a missing value`;
}

/**
 * Whether a value for a float column is NaN or ±Infinity: a JS number, a bigint beyond the
 * doubles, or text ("NaN", "inf", "-Infinity", any case; decimal text beyond the doubles).
 */
export function isNonFinite(v: unknown): boolean {
  if (typeof v === "number") return !Number.isFinite(v);
  if (typeof v === "bigint") return !Number.isFinite(Number(v));
  if (typeof v === "string") return NON_FINITE_TEXT.test(v) || (NUMBER_TEXT.test(v) && !Number.isFinite(Number(v)));
  return false;
}

function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? "invalid" : v.toISOString()})`;
  return typeof v === "object" ? (Array.isArray(v) ? "an array" : "an object") : String(v);
}

/**
 * A timestamp as µs since 1970 UTC: ISO 8601 text (no zone: UTC; src/timestamps.ts), a Date, or
 * a bigint of microseconds. A JS number is refused (seconds, milliseconds or microseconds? it
 * cannot tell).
 */
export function toMicros(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "string") {
    const t = parseTimestamp(v);
    if (t === undefined) throw new BadValue(`${show(v)} is not a timestamp (ISO 8601, e.g. 2025-06-01T12:00:00Z)`);
    return t;
  }
  if (v instanceof Date && !Number.isNaN(v.getTime())) return BigInt(v.getTime()) * 1000n;
  throw new BadValue(`${show(v)} is not a timestamp: give ISO 8601 text, a Date, or bigint microseconds since 1970 UTC`);
}

/** An integer (int32 or int64 range) from a bigint, a safe-integer number or decimal integer text. */
export function toInteger(v: unknown, type: "int32" | "int64"): bigint {
  let b: bigint | undefined;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
  else if (typeof v === "string" && INTEGER_TEXT.test(v)) b = BigInt(v.trim());
  if (b === undefined) {
    const why = typeof v === "number" && Number.isInteger(v) ? " (beyond 2^53 a JS number is not exact: pass a bigint or text)" : "";
    throw new BadValue(`${show(v)} is not an ${type}${why}`);
  }
  const [lo, hi] = type === "int32" ? [-(2n ** 31n), 2n ** 31n - 1n] : [INT64_MIN, INT64_MAX];
  if (b < lo || b > hi) throw new BadValue(`${show(v)} is out of the ${type} range`);
  return b;
}

/** A value converted to an online type; null and undefined are NULL. */
export function toOnline(v: unknown, type: OnlineType): OnlineValue {
  if (v === null || v === undefined) return null;
  switch (type) {
    case "int32":
      return Number(toInteger(v, "int32"));
    case "int64":
      return toInteger(v, "int64");
    case "float32":
    case "float64": {
      let x: number | undefined;
      if (typeof v === "number") x = v;
      else if (typeof v === "bigint") x = Number(v);
      else if (typeof v === "string" && NUMBER_TEXT.test(v)) x = Number(v);
      if (x !== undefined && Number.isFinite(x)) return x;
      if (x !== undefined || isNonFinite(v)) throw new BadValue(notFinite(v));
      throw new BadValue(`${show(v)} is not a number`);
    }
    case "bool":
      if (typeof v === "boolean") return v;
      if (v === "true" || v === "false") return v === "true";
      throw new BadValue(`${show(v)} is not a boolean`);
    case "string":
      if (typeof v === "string") return v;
      throw new BadValue(`${show(v)} is not a string`);
    case "timestamp":
      return toMicros(v);
    default:
      throw new BadValue(`unknown type ${String(type)}`);
  }
}

/**
 * A value as the text count_distinct counts: the warehouse's CAST to text of the value in a
 * column of kind `kind` (src/online/layout.ts, DistinctTextKind), the same on DuckDB and
 * PostgreSQL: integers in decimal (text input "007" is 7), booleans true|false, text as it is,
 * timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]` (trailing zeros of the fraction dropped). Without a
 * kind (a layout written before kinds existed): text as it is, other values as JS writes them.
 */
export function toText(v: unknown, kind?: DistinctTextKind): string | null {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case "integer":
      return String(toInteger(v, "int64"));
    case "bool":
      return String(toOnline(v, "bool"));
    case "timestamp":
      return formatTimestamp(toMicros(v));
    case "string":
      if (typeof v === "string") return v;
      throw new BadValue(`${show(v)} is not a string`);
  }
  if (typeof v === "string") return v;
  if (typeof v === "bigint" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return formatTimestamp(toMicros(v));
  throw new BadValue(`${show(v)} has no text form`);
}

/** A row's value for a filter's column read as `type` (src/online/filter-eval.ts): timestamps as µs, int64 exact. */
export function toFilterValue(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case "timestamp":
      return toMicros(v);
    case "int64":
      return toInteger(v, "int64");
    case "float64":
      return toOnline(v, "float64");
    case "number":
      if (typeof v === "number" && !Number.isFinite(v)) throw new BadValue(notFinite(v));
      return typeof v === "string" ? (INTEGER_TEXT.test(v) ? toInteger(v, "int64") : toOnline(v, "float64")) : v;
    default:
      return v;
  }
}

/**
 * Why a pushed value does not fit its source column (ColumnCheck), or undefined when it does:
 * the warehouse would refuse it or store another value, so the row is bad online and offline
 * alike (docs/push.md, "Bad rows"). NULL fits every column.
 */
export function columnValueProblem(v: unknown, check: ColumnCheck): string | undefined {
  if (v === null || v === undefined) return undefined;
  try {
    switch (check.kind) {
      case "integer": {
        let b: bigint;
        try {
          b = toInteger(v, "int64");
        } catch (err) {
          // (toInteger's hint about JS numbers beyond 2^53 is kept)
          return (err as Error).message.replace(/ is not an int64/, " is not an integer (the column is an integer)");
        }
        const lim = 2n ** BigInt(check.bits - 1);
        if (b < -lim || b >= lim) return `${show(v)} is out of the range of a ${check.bits}-bit integer column`;
        return undefined;
      }
      case "float":
        if (isNonFinite(v)) return notFinite(v);
        toOnline(v, "float64");
        return undefined;
      case "decimal":
        return decimalProblem(v, check.precision, check.scale);
      case "bool":
        toOnline(v, "bool");
        return undefined;
      case "timestamp":
        toMicros(v);
        return undefined;
    }
  } catch (err) {
    if (err instanceof BadValue) return err.message;
    throw err;
  }
}

/** Why `v` does not fit a decimal column of `precision` digits, `scale` of them after the point (undefined: it does). */
function decimalProblem(v: unknown, precision: number | undefined, scale: number | undefined): string | undefined {
  if (isNonFinite(v)) return notFinite(v);
  const text = typeof v === "bigint" ? v.toString() : typeof v === "number" ? String(v) : typeof v === "string" ? v.trim() : undefined;
  const m = text === undefined ? null : /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) return `${show(v)} is not a number`;
  if (precision === undefined || scale === undefined) return undefined;
  // The digits and where the point falls, after the exponent: count the places each side of it.
  const digits = (m[1] ?? "") + (m[2] ?? "");
  const point = (m[1] ?? "").length + Number(m[3] ?? 0);
  const significant = digits.replace(/^0+/, "");
  const lead = digits.length - significant.length;
  const fraction = Math.max(0, digits.replace(/0+$/, "").length - point);
  const integer = Math.max(0, point - lead);
  if (fraction > scale)
    return `${show(v)} has ${fraction} decimal places; the column keeps ${scale} (decimal(${precision},${scale})): round it before pushing`;
  if (integer > precision - scale) return `${show(v)} does not fit the column's decimal(${precision},${scale})`;
  return undefined;
}
