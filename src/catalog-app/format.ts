/** Numbers and times as a reader wants them: no float noise, no milliseconds. */

/** A number to 4 significant digits (whole numbers as they are, large ones to 1 decimal): `87.08`, `1543.8`, `0.02510`. */
export function num(x: number): string {
  if (Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 100) return String(Math.round(x * 10) / 10);
  return String(Number(x.toPrecision(4)));
}

/** A value from a profile: numbers by `num`, anything else as text. */
export function value(x: number | string | boolean | null | undefined): string {
  return typeof x === "number" ? num(x) : String(x);
}

/** An ISO 8601 instant (`2026-12-01T05:08:16.992Z`) as `2026-12-01 05:08 UTC`; other text as it is. */
export function instant(iso: string | null | undefined): string {
  if (typeof iso !== "string") return "at an unknown time";
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** A UTC `YYYY-MM-DD HH:MM:SS` time without a midnight's `00:00:00`: `2025-11-01`; `?` when it is missing. */
export function day(ts: string | null | undefined): string {
  if (typeof ts !== "string") return "?";
  return ts.replace(/ 00:00:00(\.0+)?$/, "");
}

/** A share (0 to 1) as a percentage: `34.4%`. */
export function percent(share: number | null | undefined): string {
  if (typeof share !== "number") return "?%";
  return `${(share * 100).toFixed(1)}%`;
}

/** A drift bin's label with its edges rounded: `[66.04588363030516, 78.06718966230378)` → `[66.05, 78.07)`; a category as it is. */
export function binLabel(bin: string): string {
  const m = /^([[(])(-?[\d.]+(?:e[+-]?\d+)?), (-?[\d.]+(?:e[+-]?\d+)?)([\])])$/.exec(bin);
  return m ? `${m[1]}${num(Number(m[2]))}, ${num(Number(m[3]))}${m[4]}` : bin;
}

/** A PSI or KS statistic to 3 decimals: `0.025`. */
export function stat(x: number): string {
  return x.toFixed(3);
}

/** The last test run's instant (UTC text) as `2025-07-01 06:00:00 UTC`, or `an unknown time` when it is missing. */
export function runAt(run: { at?: string | null } | null | undefined): string {
  return typeof run?.at === "string" ? `${run.at} UTC` : "an unknown time";
}

/** The last test run's target, or `unknown` when it is missing. */
export function runTarget(run: { target?: string | null } | null | undefined): string {
  return typeof run?.target === "string" ? run.target : "unknown";
}
