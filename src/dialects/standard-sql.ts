import type { AggregateSpec, Dialect } from "./dialect.js";
import { unreachable } from "../registry/types.js";

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

/**
 * Dialect.aggregate the SQL-standard way (FILTER clauses, `array_agg(… ORDER BY …)[1]` for `last`),
 * which DuckDB and PostgreSQL both run. `boolMinMax` names the aggregates that take the minimum and
 * maximum of booleans where `min`/`max` do not (PostgreSQL: `bool_and`, `bool_or`).
 */
export function standardAggregate(d: Pick<Dialect, "orderKey" | "sqlType">, spec: AggregateSpec, boolMinMax?: [string, string]): string {
  // `TRUE` (every row counts: a lifetime window, or a lateral range that is the window) needs no FILTER.
  const when = spec.when === "TRUE" ? "" : ` FILTER (WHERE ${spec.when})`;
  const v = spec.value ?? "*";
  switch (spec.function) {
    case "count":
      return `count(${v})${when}`;
    case "count_distinct":
      return `count(DISTINCT ${v})${when}`;
    case "sum":
      return `CAST(sum(${v})${when} AS ${d.sqlType(spec.type)})`;
    case "avg":
      return `avg(${v})${when}`;
    case "stddev":
      return `stddev_pop(${v})${when}`;
    case "min":
    case "max": {
      if (spec.type === "bool" && boolMinMax) return `${boolMinMax[spec.function === "min" ? 0 : 1]}(${v})${when}`;
      // A string's minimum by bytes; the COLLATE of orderKey goes away with the cast back.
      const key = d.orderKey(v, spec.type);
      return key === v ? `${spec.function}(${v})${when}` : `CAST(${spec.function}(${key})${when} AS ${d.sqlType(spec.type)})`;
    }
    case "last":
      return `(array_agg(${v} ORDER BY ${spec.lastOrder.join(", ")}) FILTER (WHERE ${spec.when} AND ${v} IS NOT NULL))[1]`;
    default:
      return unreachable(spec.function);
  }
}
