/** `isoMicros`: timestamps in µs as ISO 8601 text, fast (the client formats one per view and row). */
import { formatTimestamp } from "../timestamps.js";

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const dates = new Map<number, string>();

/** `2025-06-01T00:00:00.123456Z`: exact to the microsecond (the fraction without trailing zeros, none if whole). */
export function isoMicros(micros: bigint): string {
  const m = Number(micros);
  if (Number.isSafeInteger(m)) {
    // Exact in doubles. The date of a day is formatted once (by Date), the time of day by hand.
    let sub = m % 1_000_000;
    if (sub < 0) sub += 1_000_000;
    const secs = (m - sub) / 1_000_000;
    let sod = secs % 86_400;
    if (sod < 0) sod += 86_400;
    const day = (secs - sod) / 86_400;
    let date = dates.get(day);
    if (date === undefined) {
      const iso = new Date(day * 86_400_000).toISOString();
      date = iso.length === 24 ? iso.slice(0, 11) : "";
      if (dates.size >= 4096) dates.clear();
      dates.set(day, date);
    }
    if (date !== "") {
      const t = `${date}${PAD2[Math.floor(sod / 3600)]}:${PAD2[Math.floor(sod / 60) % 60]}:${PAD2[sod % 60]}`;
      return sub === 0 ? `${t}Z` : `${t}.${fraction(sub)}Z`;
    }
  }
  // Years outside 0000–9999, or beyond 2^53 µs: the general formatter.
  return formatTimestamp(micros).replace(" ", "T") + "Z";
}

/** Six digits of microseconds, trailing zeros dropped. */
function fraction(sub: number): string {
  let s = String(sub).padStart(6, "0");
  let end = 6;
  while (s.charCodeAt(end - 1) === 0x30) end--;
  if (end < 6) s = s.slice(0, end);
  return s;
}
