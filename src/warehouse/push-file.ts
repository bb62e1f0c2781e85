import { readFile } from "node:fs/promises";
import { duckdbDialect } from "../dialects/duckdb.js";
import { csvRecordLines } from "./csv-lines.js";
import { readerConnection } from "./file-reader.js";
import { readNdjson } from "./ndjson-file.js";

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

/** A push file as read: its columns (name, DuckDB type; `JSON` for NDJSON), its rows in batches, and where each row starts. */
export interface PushFile {
  columns: { name: string; duckdbType: string }[];
  rows: number;
  /** Row i's first physical line in the file (1-based; CSV: the header is line 1); undefined for Parquet. */
  lines?: number[];
  /** The rows in file order, as objects by column name: integers as number or bigint (BIGINT), text, booleans, NULL as null; other types as DuckDB's text of them (timestamps: `YYYY-MM-DD HH:MM:SS[.ffffff]` UTC). */
  batches(size: number): AsyncGenerator<Record<string, unknown>[]>;
}

/**
 * Opens a push file: CSV and Parquet with DuckDB (read_csv_auto / read_parquet, typed by DuckDB's
 * detection) in the in-memory reader (time zone UTC); NDJSON with readNdjson, each value keeping
 * its own JSON type (integers as bigint). Throws the reader's error for a file that is missing or
 * malformed (NDJSON: `line N: …`).
 */
export async function openPushFile(file: string, format: PushFileFormat): Promise<PushFile> {
  if (format === "ndjson") {
    const nd = await readNdjson(file);
    return {
      columns: nd.columns.map((name) => ({ name, duckdbType: "JSON" })),
      rows: nd.rows.length,
      lines: nd.lines,
      async *batches(size) {
        for (let i = 0; i < nd.rows.length; i += size) yield nd.rows.slice(i, i + size);
      },
    };
  }
  const conn = await readerConnection();
  const lit = duckdbDialect.stringLiteral(file);
  const rel = format === "csv" ? `read_csv_auto(${lit})` : `read_parquet(${lit})`;
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${rel}`);
  const columns = described.getRowObjectsJS().map((r) => ({ name: String(r.column_name), duckdbType: String(r.column_type) }));
  const q = (c: string): string => duckdbDialect.quote(c);
  const select = columns.map((c) => (AS_IS.test(c.duckdbType) ? q(c.name) : `CAST(${q(c.name)} AS VARCHAR) AS ${q(c.name)}`)).join(", ");
  const count = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${rel}`);
  const rows = Number(count.getRowObjectsJS()[0]?.n ?? 0);
  let lines: number[] | undefined;
  if (format === "csv") {
    lines = csvRecordLines(await readFile(file, "utf8"), columns.length);
    // A file DuckDB splits otherwise than the scan (another quote character, skipped rows): rows by number.
    if (lines.length !== rows) lines = undefined;
  }
  return {
    columns,
    rows,
    lines,
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
