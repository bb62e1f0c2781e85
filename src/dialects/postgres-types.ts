import type { FileColumnType } from "./dialect.js";

/**
 * DuckDB's logical types (`SELECT DISTINCT logical_type FROM duckdb_types()`) and the PostgreSQL
 * type a data file's column of that type is loaded as. `exportAs` is how DuckDB writes the value
 * into the CSV streamed to COPY when the plain value would not read back right (`$`: the column).
 * A type missing here is an error, never TEXT: test/postgres-types.test.ts checks that every
 * logical type DuckDB lists is here, and loads one column of each into PostgreSQL.
 */
const BY_LOGICAL_TYPE: Record<string, FileColumnType> = {
  BOOLEAN: { sqlType: "BOOLEAN" },
  TINYINT: { sqlType: "SMALLINT" },
  SMALLINT: { sqlType: "SMALLINT" },
  INTEGER: { sqlType: "INTEGER" },
  BIGINT: { sqlType: "BIGINT" },
  UTINYINT: { sqlType: "SMALLINT" },
  USMALLINT: { sqlType: "INTEGER" },
  UINTEGER: { sqlType: "BIGINT" },
  UBIGINT: { sqlType: "NUMERIC(20,0)" },
  HUGEINT: { sqlType: "NUMERIC(39,0)" },
  UHUGEINT: { sqlType: "NUMERIC(39,0)" },
  BIGNUM: { sqlType: "NUMERIC" },
  FLOAT: { sqlType: "REAL" },
  DOUBLE: { sqlType: "DOUBLE PRECISION" },
  // DECIMAL(p,s) keeps its precision and scale (see fileColumnTypePostgres).
  DECIMAL: { sqlType: "NUMERIC" },
  VARCHAR: { sqlType: "TEXT" },
  JSON: { sqlType: "JSONB" },
  ENUM: { sqlType: "TEXT" },
  UUID: { sqlType: "UUID" },
  // DuckDB writes a BLOB byte by byte (`\xAB`); PostgreSQL reads one hex string (`\xABCD`).
  BLOB: { sqlType: "BYTEA", exportAs: "'\\x' || hex($)" },
  BIT: { sqlType: "VARBIT" },
  DATE: { sqlType: "DATE" },
  TIME: { sqlType: "TIME" },
  TIME_NS: { sqlType: "TIME", exportAs: "CAST($ AS TIME)" },
  "TIME WITH TIME ZONE": { sqlType: "TIMETZ" },
  TIMESTAMP: { sqlType: "TIMESTAMP" },
  // Written as microseconds by DuckDB, which truncates as DuckDB's own queries do.
  TIMESTAMP_S: { sqlType: "TIMESTAMP", exportAs: "CAST($ AS TIMESTAMP)" },
  TIMESTAMP_MS: { sqlType: "TIMESTAMP", exportAs: "CAST($ AS TIMESTAMP)" },
  TIMESTAMP_NS: { sqlType: "TIMESTAMP", exportAs: "CAST($ AS TIMESTAMP)" },
  "TIMESTAMP WITH TIME ZONE": { sqlType: "TIMESTAMPTZ" },
  INTERVAL: { sqlType: "INTERVAL" },
  // Nested values are kept whole as JSON.
  LIST: { sqlType: "JSONB", exportAs: "to_json($)" },
  ARRAY: { sqlType: "JSONB", exportAs: "to_json($)" },
  STRUCT: { sqlType: "JSONB", exportAs: "to_json($)" },
  MAP: { sqlType: "JSONB", exportAs: "to_json($)" },
  UNION: { sqlType: "JSONB", exportAs: "to_json($)" },
  // A column of a CSV file that holds no value at all.
  NULL: { sqlType: "TEXT" },
  GEOMETRY: { unsupported: "PostgreSQL has no GEOMETRY type without the PostGIS extension" },
  VARIANT: { unsupported: "a VARIANT column holds values of different types" },
  TYPE: { unsupported: "a TYPE column holds type names, not data" },
};

/** The logical type of a type name as DESCRIBE writes it: `DECIMAL(18,3)` → DECIMAL, `INTEGER[]` → LIST. */
export function duckdbLogicalType(duckdbType: string): string {
  const t = duckdbType.trim().toUpperCase();
  if (/\[\d+\]$/.test(t)) return "ARRAY";
  if (t.endsWith("[]")) return "LIST";
  const head = /^([A-Z_ ]+?)\s*(\(|$)/.exec(t)?.[1]?.trim() ?? t;
  const aliases: Record<string, string> = {
    TIMESTAMPTZ: "TIMESTAMP WITH TIME ZONE",
    TIMETZ: "TIME WITH TIME ZONE",
    NUMERIC: "DECIMAL",
    VARINT: "BIGNUM",
    TEXT: "VARCHAR",
    STRING: "VARCHAR",
    BYTEA: "BLOB",
    TIMESTAMP_US: "TIMESTAMP",
    DATETIME: "TIMESTAMP",
    ROW: "STRUCT",
    BITSTRING: "BIT",
  };
  return aliases[head] ?? head;
}

/** The PostgreSQL type (and CSV export) of a data file's column that DuckDB reads as `duckdbType`. */
export function fileColumnTypePostgres(duckdbType: string): FileColumnType {
  const logical = duckdbLogicalType(duckdbType);
  const mapped = BY_LOGICAL_TYPE[logical];
  if (!mapped) return { unsupported: `fcompile does not know DuckDB's type ${duckdbType}` };
  if (logical === "DECIMAL") {
    const m = /\((\d+)\s*,\s*(\d+)\)/.exec(duckdbType);
    return { sqlType: m ? `NUMERIC(${m[1]},${m[2]})` : "NUMERIC" };
  }
  return mapped;
}

/** Every logical type the mapping covers (for tests). */
export const POSTGRES_MAPPED_LOGICAL_TYPES: readonly string[] = Object.keys(BY_LOGICAL_TYPE);
