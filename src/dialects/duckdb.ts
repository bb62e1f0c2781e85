import type { FeatureType } from "../registry/types.js";
import type { Dialect } from "./dialect.js";
import { templateRenderer } from "./templates.js";

const TYPES: Record<FeatureType, string> = {
  int32: "INTEGER",
  int64: "BIGINT",
  float32: "FLOAT",
  float64: "DOUBLE",
  string: "VARCHAR",
  bool: "BOOLEAN",
  timestamp: "TIMESTAMP",
};

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

/** DuckDB: the embedded default warehouse. */
export const duckdbDialect: Dialect = {
  name: "duckdb",
  quote: (id) => `"${id.replace(/"/g, '""')}"`,
  qualified(parts) {
    return parts.map((p) => this.quote(p)).join(".");
  },
  stringLiteral: (v) => `'${v.replace(/'/g, "''")}'`,
  interval: intervalLiteral,
  sqlType: (t) => TYPES[t],
  // DuckDB's default collation already compares strings by bytes.
  orderKey: (expr) => expr,
  fileRelation(format, projectPath) {
    return `${format === "csv" ? "read_csv" : "read_parquet"}(${this.stringLiteral(projectPath)})`;
  },
  parameter(name) {
    return `getvariable(${this.stringLiteral(name)})`;
  },
  wantsIndexes: false,
  render: templateRenderer("duckdb"),
};
