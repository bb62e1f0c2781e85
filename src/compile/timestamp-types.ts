/**
 * Whether a column of a warehouse or data-file type can be a view's timestamp, by its type name as
 * DuckDB (`DESCRIBE`) or PostgreSQL (`format_type`) writes it. Timestamps and dates are; text is
 * (cast to TIMESTAMP when read, so ISO 8601 text works); numbers are not, whatever they count.
 *
 * Returns undefined when the type is fine, else what is wrong and what to do, to follow
 * "timestamp column 'x' of view 'v' is BIGINT: ".
 */
export function timestampTypeProblem(typeName: string): string | undefined {
  const t = typeName.trim().toUpperCase();
  if (/^(TIMESTAMP|DATE|DATETIME)/.test(t)) return undefined;
  if (/^(VARCHAR|TEXT|STRING|CHAR|CHARACTER|BPCHAR|NAME)\b/.test(t)) return undefined;
  if (
    /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|INT\d|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC|BIGNUM)\b/.test(
      t,
    )
  ) {
    return (
      "a number, not a timestamp; if it counts seconds (or milliseconds) since 1970, convert it in an SQL view " +
      "(`to_timestamp(col)` for seconds, `to_timestamp(col / 1000.0)` for milliseconds, on DuckDB and PostgreSQL) " +
      "and use that view, or write ISO 8601 timestamps (2024-09-01T10:00:00Z) into the data"
    );
  }
  return "not a timestamp; give the view a TIMESTAMP, DATE or ISO 8601 text column as its timestamp";
}
