import type { FeatureType } from "../registry/types.js";
import type { Dialect } from "./dialect.js";
import { fileColumnTypePostgres } from "./postgres-types.js";
import { standardAggregate, standardSql } from "./standard-sql.js";
import { templateRenderer } from "./templates.js";

const TYPES: Record<FeatureType, string> = {
  int32: "INTEGER",
  int64: "BIGINT",
  float32: "REAL",
  float64: "DOUBLE PRECISION",
  string: "TEXT",
  bool: "BOOLEAN",
  timestamp: "TIMESTAMP",
};

/** PostgreSQL: point-in-time joins as LEFT JOIN LATERAL … ORDER BY … LIMIT 1 over an index on (keys, ts). */
export const postgresDialect: Dialect = {
  name: "postgres",
  // standard_conforming_strings is on by default since 9.1: only quotes need doubling.
  ...standardSql,
  sqlType: (t) => TYPES[t],
  distinctText: (expr) =>
    `CASE WHEN pg_typeof(${expr}) IN ('double precision'::regtype, 'real'::regtype) AND CAST(${expr} AS text) = '-0' THEN '0' ELSE CAST(${expr} AS text) END`,
  // The database's collation may order text by locale; ties must break by bytes, as everywhere.
  orderKey: (expr, t) => (t === "string" ? `${expr} COLLATE "C"` : expr),
  // PostgreSQL reads no files itself (loadsFiles: copy): this only names the file.
  aggregate(spec) {
    return standardAggregate(this, spec, ["bool_and", "bool_or"]);
  },
  fileRelation(_format, projectPath) {
    return this.stringLiteral(projectPath);
  },
  // fc_end → the session setting fcompile.end_time (a custom setting: `SET fcompile.end_time = '…'`).
  parameter(name) {
    return `CAST(current_setting(${this.stringLiteral(`fcompile.${name.replace(/^fc_/, "")}_time`)}) AS TIMESTAMP)`;
  },
  // EXTRACT(EPOCH …) is numeric since PostgreSQL 14, so microseconds stay exact.
  epochMicros: (expr) => `CAST(EXTRACT(EPOCH FROM ${expr}) * 1000000 AS BIGINT)`,
  fileColumnType: fileColumnTypePostgres,
  wantsIndexes: true,
  afterBuild: { analyze: true, vacuum: true },
  transactionLock(key) {
    return `SELECT pg_advisory_xact_lock(hashtext(${this.stringLiteral(key)}))`;
  },
  loadsFiles: "copy",
  sqlGrammar: "postgresql",
  // training-query capabilities (see Dialect)
  supportsAsofJoin: false,
  supportsQualify: false,
  supportsWithTies: true,
  numbersEntityRows: "load",
  render: templateRenderer("postgres"),
};
