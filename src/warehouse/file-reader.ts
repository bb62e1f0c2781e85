import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";
import { duckdbDialect } from "../dialects/duckdb.js";
import type { DataFileColumn } from "../registry/types.js";

/** A column of a data file, with the DuckDB type its values read as (the registry's DataFileColumn). */
export type FileColumn = DataFileColumn;

let shared: Promise<DuckDBConnection> | undefined;

/** An in-memory DuckDB used to read CSV and Parquet files for warehouses that cannot (session time zone UTC). */
export async function readerConnection(): Promise<DuckDBConnection> {
  return conn();
}

async function conn(): Promise<DuckDBConnection> {
  shared ??= DuckDBInstance.create(":memory:").then(async (i) => {
    const c = await i.connect();
    await c.run("SET TimeZone = 'UTC'");
    return c;
  });
  return shared;
}

const reader = (file: string, format: "csv" | "parquet"): string => duckdbDialect.fileRelation(format, file);

/** The columns of a CSV or Parquet file and the types DuckDB detects for them. */
export async function fileColumns(file: string, format: "csv" | "parquet"): Promise<FileColumn[]> {
  const r = await (await conn()).runAndReadAll(`DESCRIBE SELECT * FROM ${reader(file, format)}`);
  return r.getRowObjectsJS().map((row) => ({ name: String(row.column_name), duckdbType: String(row.column_type) }));
}

/**
 * Writes a data file as CSV with a header, reading it with `columns` as the select list (casts of
 * declared columns, exports of types that need one), for `COPY … FROM STDIN` (UTC timestamps).
 */
export async function exportCsv(file: string, format: "csv" | "parquet", columns: string, out: string): Promise<void> {
  await (
    await conn()
  ).run(`COPY (SELECT ${columns} FROM ${reader(file, format)}) TO ${duckdbDialect.stringLiteral(out)} (FORMAT csv, HEADER true)`);
}
