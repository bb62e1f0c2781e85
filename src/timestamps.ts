/**
 * Timestamps as fcompile takes them on the command line and in the client: ISO 8601 dates or
 * date-times; without a zone they are UTC (README, "Point-in-time semantics"). Held as whole
 * microseconds since 1970-01-01 UTC in a bigint, so nothing is rounded. Imports nothing: the
 * client uses it too.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The greatest UTC offset a zone may have, in minutes (±18:00, as java.time and PostgreSQL allow). */
const MAX_OFFSET_MINUTES = 18 * 60;

/** Days in a month of the proleptic Gregorian calendar (month 1–12). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Parses `2025-06-01`, `2025-06-01 12:00`, `2025-06-01T12:00:00.123456Z`, `…+02:00`, `…+0200`,
 * `…+02` into microseconds since 1970-01-01 UTC; undefined if it is not one. Every field must be
 * in range: year 0000–9999, month 01–12, day within its month (leap years included), hour 00–23
 * (no `24:00`: write the next day's `00:00`), minute and second 00–59 (no leap second `:60`), a
 * zone offset at most ±18:00 with minutes 00–59. Digits past the sixth of a fraction are
 * dropped (truncated, not rounded). No zone means UTC.
 */
export function parseTimestamp(text: string): bigint | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, ys, mos, ds, hs = "0", mis = "0", ss = "0", frac = "", zone] = m;
  const [y, mo, d, h, mi, s] = [ys, mos, ds, hs, mis, ss].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || "0");
    if (om > 59 || oh * 60 + om > MAX_OFFSET_MINUTES) return undefined;
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  // Date.UTC maps years 0–99 to 1900–1999: set the full year explicitly.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  const micros = BigInt(date.getTime()) * 1000n + BigInt((frac + "000000").slice(0, 6));
  return micros - BigInt(offsetMinutes) * 60_000_000n;
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC: what both warehouses read as a TIMESTAMP literal. */
export function formatTimestamp(micros: bigint): string {
  const ms = Number(micros / 1000n) - (micros % 1000n < 0n ? 1 : 0);
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const frac = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac === 0n ? "" : "." + frac.toString().padStart(6, "0").replace(/0+$/, "")}`;
}

/** The current time in microseconds. */
export function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}
