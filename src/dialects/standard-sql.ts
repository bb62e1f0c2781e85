import type { Dialect } from "./dialect.js";

/** Interval literal in the largest unit that divides the seconds exactly (portable to Postgres). */
export function intervalLiteral(seconds: number): string {
  for (const [unit, n] of [
    ["days", 86400],
    ["hours", 3600],
    ["minutes", 60],
  ] as const) {
    if (seconds % n === 0) return `INTERVAL '${seconds / n} ${seconds === n ? unit.slice(0, -1) : unit}'`;
  }
  return `INTERVAL '${seconds} seconds'`;
}

/** Quoting and literals every dialect so far writes the SQL-standard way. */
export const standardSql: Pick<Dialect, "quote" | "qualified" | "stringLiteral" | "interval"> = {
  quote: (id) => `"${id.replace(/"/g, '""')}"`,
  qualified(parts) {
    return parts.map((p) => this.quote(p)).join(".");
  },
  stringLiteral: (v) => `'${v.replace(/'/g, "''")}'`,
  interval: intervalLiteral,
};
