import type { FeatureType } from "../registry/types.js";
import type { Dialect } from "./dialect.js";
import { standardAggregate, standardSql } from "./standard-sql.js";
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

/** DuckDB: the embedded default warehouse. */
export const duckdbDialect: Dialect = {
  name: "duckdb",
  ...standardSql,
  sqlType: (t) => TYPES[t],
  distinctText: (expr) =>
    `CASE WHEN typeof(${expr}) IN ('DOUBLE', 'FLOAT') AND CAST(${expr} AS VARCHAR) = '-0.0' THEN '0.0' ELSE CAST(${expr} AS VARCHAR) END`,
  // DuckDB's default collation already compares strings by bytes.
  orderKey: (expr) => expr,
  aggregate(spec) {
    return standardAggregate(this, spec);
  },
  aggregationBuckets: {
    bucketOf: (ts, width) => `(epoch_us(${ts}) // ${width})`,
    series: (from, to) => `unnest(range(${from}, ${to} + 1))`,
  },
  fileRelation(format, projectPath) {
    return `${format === "csv" ? "read_csv" : "read_parquet"}(${this.stringLiteral(projectPath)})`;
  },
  parameter(name) {
    return `getvariable(${this.stringLiteral(name)})`;
  },
  epochMicros: (expr) => `epoch_us(${expr})`,
  // DuckDB reads the file itself: a column keeps the type DuckDB reads it as.
  fileColumnType: (duckdbType) => ({ sqlType: duckdbType }),
  wantsIndexes: false,
  afterBuild: { analyze: false, vacuum: false },
  loadsFiles: "read",
  // node-sql-parser has no DuckDB grammar: PostgreSQL's is the closest, and SQL it rejects is
  // asked of DuckDB's own parser (src/warehouse/duckdb.ts, duckdbSyntaxCheck).
  sqlGrammar: "postgresql",
  // training-query capabilities (see Dialect)
  supportsAsofJoin: true,
  supportsQualify: true,
  supportsWithTies: false,
  numbersEntityRows: "query",
  render: templateRenderer("duckdb"),
};
