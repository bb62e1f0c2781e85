/**
 * One form per value type in training output files, whatever the warehouse: both warehouses hand
 * their result to DuckDB, which writes the file with these expressions (see docs/values.md).
 *
 * CSV: integers in decimal digits; floats as the shortest decimal that reads back as the same
 * float32 or float64 (`1.111`, `0.1`, `1.0`, `1e+20`, `NaN`, `Infinity`, `-Infinity`); booleans `true` /
 * `false`; timestamps as ISO 8601 UTC `2024-09-01T08:00:00Z` with the fraction's trailing zeros
 * dropped (`…:00.5Z`); strings as they are (quoted when they hold the delimiter, a quote or a line
 * break); NULL as an empty field, an empty string as `""`. Parquet keeps the types.
 */
import { duckdbDialect } from "../dialects/duckdb.js";

const q = (s: string): string => duckdbDialect.quote(s);

/** A column of the output: its name, an expression of its value, and the value's DuckDB type. */
export interface OutputColumn {
  name: string;
  expr: string;
  duckdbType: string;
  /** Text to write as it is (a CSV input column): never reformatted. */
  verbatim?: boolean;
}

const TS = /^(TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP WITH TIME ZONE)$/;

/** The CSV text of a value of DuckDB type `type` (NULL stays NULL). */
export function csvText(expr: string, type: string): string {
  if (TS.test(type) || type === "TIMESTAMP_NS") {
    // Timestamps with a zone are written in UTC (the session's zone); without one they are UTC already.
    const fmt = type === "TIMESTAMP_NS" ? "%Y-%m-%dT%H:%M:%S.%n" : "%Y-%m-%dT%H:%M:%S.%f";
    const t = type === "TIMESTAMP WITH TIME ZONE" ? `CAST(${expr} AS TIMESTAMP)` : expr;
    return `regexp_replace(strftime(${t}, '${fmt}'), '\\.?0+$', '') || 'Z'`;
  }
  if (type === "VARCHAR") return expr;
  if (type === "FLOAT" || type === "DOUBLE") {
    // NaN and infinities as the JSON output writes them (and every CSV reader takes).
    return `CASE WHEN isnan(${expr}) THEN 'NaN' WHEN isinf(${expr}) THEN CASE WHEN ${expr} > 0 THEN 'Infinity' ELSE '-Infinity' END ELSE CAST(${expr} AS VARCHAR) END`;
  }
  return `CAST(${expr} AS VARCHAR)`;
}

/** The SELECT list writing `columns` in `format`. */
export function outputSelectList(columns: OutputColumn[], format: "csv" | "parquet"): string {
  return columns.map((c) => `${format === "csv" && !c.verbatim ? csvText(c.expr, c.duckdbType) : c.expr} AS ${q(c.name)}`).join(",\n  ");
}

/** The COPY options of a training output file. */
export function copyOptions(format: "csv" | "parquet"): string {
  return format === "csv" ? "FORMAT csv, HEADER true" : "FORMAT parquet";
}
