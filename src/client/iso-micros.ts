/**
 * `isoMicros`: timestamps in µs as ISO 8601 text, fast (the client formats one per view and row of
 * a row-shaped read). The text is made in one piece from character codes: one string of 20–27
 * characters per call (48 B of heap), instead of the chain of concatenated pieces a template would
 * leave behind (about 280 B).
 */
import { formatTimestamp } from "../timestamps.js";

/** Per day (days since 1970): the char codes of `YYYY-MM-DD`, or null outside the years 0000–9999. Cached. */
const dates = new Map<number, Uint8Array | null>();
/** The last text made, for a read whose rows share one event time (a plain view materialized at once). */
let lastMicros = NaN;
let lastText = "";

/** `2025-06-01T00:00:00.123456Z`: exact to the microsecond (the fraction without trailing zeros, none if whole). */
export function isoMicros(micros: bigint): string {
  const m = Number(micros);
  if (Number.isSafeInteger(m)) {
    const text = isoMicrosNumber(m);
    if (text !== undefined) return text;
  }
  // Years outside 0000–9999, or beyond 2^53 µs: the general formatter.
  return formatTimestamp(micros).replace(" ", "T") + "Z";
}

/**
 * As `isoMicros`, for a time in µs that is a safe integer (exact in a double); undefined for a
 * year outside 0000–9999 (then `isoMicros` of the bigint formats it).
 */
export function isoMicrosNumber(m: number): string | undefined {
  if (m === lastMicros) return lastText;
  let sub = m % 1_000_000;
  if (sub < 0) sub += 1_000_000;
  const secs = (m - sub) / 1_000_000;
  let sod = secs % 86_400;
  if (sod < 0) sod += 86_400;
  const day = (secs - sod) / 86_400;
  let d = dates.get(day);
  if (d === undefined) {
    const iso = new Date(day * 86_400_000).toISOString();
    d = null;
    if (iso.length === 24) {
      d = new Uint8Array(10);
      for (let i = 0; i < 10; i++) d[i] = iso.charCodeAt(i);
    }
    if (dates.size >= 4096) dates.clear();
    dates.set(day, d);
  }
  if (d === null) return undefined;
  const text = isoText(d, Math.floor(sod / 3600), Math.floor(sod / 60) % 60, sod % 60, sub);
  lastMicros = m;
  lastText = text;
  return text;
}

const ZERO = 48;
const DASH = 45;
const COLON = 58;
const T = 84;
const DOT = 46;
const Z = 90;

/** `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` from the date's codes, the time of day and the µs of the second, as one string. */
function isoText(d: Uint8Array, hour: number, minute: number, second: number, sub: number): string {
  const h1 = ZERO + ((hour / 10) | 0);
  const h2 = ZERO + (hour % 10);
  const n1 = ZERO + ((minute / 10) | 0);
  const n2 = ZERO + (minute % 10);
  const s1 = ZERO + ((second / 10) | 0);
  const s2 = ZERO + (second % 10);
  // Six digits of microseconds; trailing zeros are dropped.
  const f1 = ZERO + ((sub / 100_000) | 0);
  const f2 = ZERO + (((sub / 10_000) | 0) % 10);
  const f3 = ZERO + (((sub / 1_000) | 0) % 10);
  const f4 = ZERO + (((sub / 100) | 0) % 10);
  const f5 = ZERO + (((sub / 10) | 0) % 10);
  const f6 = ZERO + (sub % 10);
  const digits = sub === 0 ? 0 : f6 !== ZERO ? 6 : f5 !== ZERO ? 5 : f4 !== ZERO ? 4 : f3 !== ZERO ? 3 : f2 !== ZERO ? 2 : 1;
  const y1 = d[0]!,
    y2 = d[1]!,
    y3 = d[2]!,
    y4 = d[3]!,
    m1 = d[5]!,
    m2 = d[6]!,
    d1 = d[8]!,
    d2 = d[9]!;
  // One call per length, with every code as an argument: no array, no intermediate string.
  // prettier-ignore
  switch (digits) {
    case 0: return String.fromCharCode(y1, y2, y3, y4, DASH, m1, m2, DASH, d1, d2, T, h1, h2, COLON, n1, n2, COLON, s1, s2, Z);
    case 1: return String.fromCharCode(y1, y2, y3, y4, DASH, m1, m2, DASH, d1, d2, T, h1, h2, COLON, n1, n2, COLON, s1, s2, DOT, f1, Z);
    case 2: return String.fromCharCode(y1, y2, y3, y4, DASH, m1, m2, DASH, d1, d2, T, h1, h2, COLON, n1, n2, COLON, s1, s2, DOT, f1, f2, Z);
    case 3: return String.fromCharCode(y1, y2, y3, y4, DASH, m1, m2, DASH, d1, d2, T, h1, h2, COLON, n1, n2, COLON, s1, s2, DOT, f1, f2, f3, Z);
    case 4: return String.fromCharCode(y1, y2, y3, y4, DASH, m1, m2, DASH, d1, d2, T, h1, h2, COLON, n1, n2, COLON, s1, s2, DOT, f1, f2, f3, f4, Z);
    case 5: return String.fromCharCode(y1, y2, y3, y4, DASH, m1, m2, DASH, d1, d2, T, h1, h2, COLON, n1, n2, COLON, s1, s2, DOT, f1, f2, f3, f4, f5, Z);
    default: return String.fromCharCode(y1, y2, y3, y4, DASH, m1, m2, DASH, d1, d2, T, h1, h2, COLON, n1, n2, COLON, s1, s2, DOT, f1, f2, f3, f4, f5, f6, Z);
  }
}
