/**
 * Timestamps as fcompile takes them on the command line and in the client: ISO 8601 dates or
 * date-times; without a zone they are UTC (docs/semantics.md, "Training"). Held as whole microseconds since
 * 1970-01-01 UTC in a bigint, so nothing is rounded. Imports nothing: the client uses it too.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Parses `2025-06-01`, `2025-06-01 12:00`, `2025-06-01T12:00:00.123456Z`, `…+02:00`; undefined if it is not one. */
export function parseTimestamp(text: string): bigint | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(ms);
  if (
    Number.isNaN(ms) ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    return undefined;
  let micros = BigInt(ms) * 1000n + BigInt((frac + "000000").slice(0, 6));
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1n : 1n;
    const digits = zone.slice(1).replace(":", "");
    const offsetMin = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0"));
    micros -= sign * offsetMin * 60_000_000n;
  }
  return micros;
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
