import { duckdbDialect } from "../dialects/duckdb.js";
import { readerConnection } from "./file-reader.js";

/** Formats `fcompile push --file` reads, by file extension. */
export type PushFileFormat = "csv" | "parquet" | "ndjson";

/** The format of a push file from its extension (`.csv`, `.parquet`, `.ndjson` / `.jsonl`), or undefined. */
export function pushFileFormat(file: string): PushFileFormat | undefined {
  const ext = /\.([A-Za-z]+)$/.exec(file)?.[1]?.toLowerCase();
  if (ext === "csv") return "csv";
  if (ext === "parquet") return "parquet";
  if (ext === "ndjson" || ext === "jsonl") return "ndjson";
  return undefined;
}

/** DuckDB types read as their text (exact: timestamps in UTC, decimals, 128-bit integers, …); the others as JS values. */
const AS_IS = /^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|VARCHAR)$/;

/** A push file as DuckDB reads it: its columns (name, DuckDB type) and its rows, in batches. */
export interface PushFile {
  columns: { name: string; duckdbType: string }[];
  rows: number;
  /** The rows in file order, as objects by column name: integers as number or bigint (BIGINT), text, booleans, NULL as null; other types as DuckDB's text of them (timestamps: `YYYY-MM-DD HH:MM:SS[.ffffff]` UTC). */
  batches(size: number): AsyncGenerator<Record<string, unknown>[]>;
}

/**
 * Opens a push file with DuckDB (read_csv_auto / read_parquet / read_json_auto, typed by DuckDB's
 * detection) in the in-memory reader (time zone UTC). Throws the reader's error for a file that
 * is missing or malformed.
 */
export async function openPushFile(file: string, format: PushFileFormat): Promise<PushFile> {
  const conn = await readerConnection();
  const lit = duckdbDialect.stringLiteral(file);
  const rel =
    format === "csv"
      ? `read_csv_auto(${lit})`
      : format === "parquet"
        ? `read_parquet(${lit})`
        : `read_json_auto(${lit}, format = 'newline_delimited')`;
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${rel}`);
  const columns = described.getRowObjectsJS().map((r) => ({ name: String(r.column_name), duckdbType: String(r.column_type) }));
  const q = (c: string): string => duckdbDialect.quote(c);
  const select = columns.map((c) => (AS_IS.test(c.duckdbType) ? q(c.name) : `CAST(${q(c.name)} AS VARCHAR) AS ${q(c.name)}`)).join(", ");
  const count = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${rel}`);
  const rows = Number(count.getRowObjectsJS()[0]?.n ?? 0);
  return {
    columns,
    rows,
    async *batches(size) {
      const result = await conn.stream(`SELECT ${select} FROM ${rel}`);
      let batch: Record<string, unknown>[] = [];
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        for (const r of chunk.getRows()) {
          const o: Record<string, unknown> = {};
          columns.forEach((c, i) => (o[c.name] = normal(r[i])));
          batch.push(o);
          if (batch.length >= size) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
    },
  };
}

/** A missing value as null (BIGINTs stay bigint: exact). */
function normal(v: unknown): unknown {
  return v === undefined ? null : v;
}
