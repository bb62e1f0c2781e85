/**
 * Test harness: writes a GenCase as an fcompile project on disk with its data in a DuckDB
 * warehouse, and reads DuckDB / Parquet output back as reference values (int64 → bigint,
 * timestamps → bigint micros).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance, DuckDBTypeId } from "@duckdb/node-api";
import type { DuckDBAppender, DuckDBConnection, DuckDBType, DuckDBValue } from "@duckdb/node-api";
import { timestampValue } from "@duckdb/node-api";
import { stringify } from "yaml";
import type { ColumnSpec, FeatureType, GenCase, KeyType } from "./arbitraries.js";
import { isoFromMicros } from "./pit-reference.js";
import type { Row, Value } from "./pit-reference.js";

export type ColumnType = KeyType | FeatureType | "label";

export function sqlType(t: ColumnType): string {
  switch (t) {
    case "int64":
      return "BIGINT";
    case "float64":
      return "DOUBLE";
    case "string":
    case "label":
      return "VARCHAR";
    case "bool":
      return "BOOLEAN";
    case "timestamp":
      return "TIMESTAMP";
  }
}

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export function tempDir(prefix = "fcompile-pit-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  if (process.env.FC_KEEP_TMP) return;
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Project files
// ---------------------------------------------------------------------------------------------

/** Writes fcompile.yaml (one target, `local`: by default the DuckDB file warehouse.duckdb) and the definitions. */
export function writeProjectFiles(
  dir: string,
  c: GenCase,
  projectName = "t",
  target: Record<string, unknown> = { type: "duckdb", path: "warehouse.duckdb" },
): void {
  writeFileSync(path.join(dir, "fcompile.yaml"), stringify({ name: projectName, target: "local", targets: { local: target } }));
  const defs = {
    entities: c.entities.map((e) => ({ name: e.name, join_keys: e.keys.map((k) => k.name) })),
    sources: c.views.map((v) => ({
      name: v.sourceName,
      table: v.table,
      timestamp: v.timestampColumn,
      ...(v.createdColumn === null ? {} : { created_timestamp: v.createdColumn }),
    })),
    feature_views: c.views.map((v) => ({
      name: v.name,
      entities: [c.entities[v.entity]!.name],
      source: v.sourceName,
      ...(v.ttl === null ? {} : { ttl: v.ttl }),
      features: v.features.map((f) => ({ name: f.name, type: f.type })),
    })),
  };
  mkdirSync(path.join(dir, "definitions"), { recursive: true });
  writeFileSync(path.join(dir, "definitions", "defs.yml"), stringify(defs));
}

// ---------------------------------------------------------------------------------------------
// Warehouse data
// ---------------------------------------------------------------------------------------------

export interface TableSpec {
  /** Schema-qualified name, e.g. `raw.x`. */
  table: string;
  columns: Array<{ name: string; type: ColumnType }>;
  rows: Row[];
}

function appendValue(app: DuckDBAppender, type: ColumnType, v: Value, where: string): void {
  if (v === null) return app.appendNull();
  switch (type) {
    case "int64":
      if (typeof v !== "bigint") throw new Error(`${where}: expected bigint, got ${typeof v}`);
      return app.appendBigInt(v);
    case "float64":
      if (typeof v !== "number") throw new Error(`${where}: expected number, got ${typeof v}`);
      return app.appendDouble(v);
    case "string":
    case "label":
      if (typeof v !== "string") throw new Error(`${where}: expected string, got ${typeof v}`);
      return app.appendVarchar(v);
    case "bool":
      if (typeof v !== "boolean") throw new Error(`${where}: expected boolean, got ${typeof v}`);
      return app.appendBoolean(v);
    case "timestamp":
      if (typeof v !== "bigint") throw new Error(`${where}: expected bigint micros, got ${typeof v}`);
      return app.appendTimestamp(timestampValue(v));
  }
}

export async function createTable(conn: DuckDBConnection, spec: TableSpec): Promise<void> {
  const [schema, name] = spec.table.includes(".") ? (spec.table.split(".") as [string, string]) : ["main", spec.table];
  await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  const cols = spec.columns.map((c) => `${quoteIdent(c.name)} ${sqlType(c.type)}`).join(", ");
  await conn.run(`CREATE TABLE ${quoteIdent(schema)}.${quoteIdent(name)} (${cols})`);
  if (spec.rows.length === 0) return;
  const app = await conn.createAppender(name, schema);
  try {
    for (const row of spec.rows) {
      for (const c of spec.columns) appendValue(app, c.type, row[c.name] ?? null, `${spec.table}.${c.name}`);
      app.endRow();
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

/** Runs `fn` with a connection to the DuckDB database at `file`, then closes everything. */
export async function withDuckDB<T>(file: string, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(file);
  try {
    const conn = await instance.connect();
    try {
      return await fn(conn);
    } finally {
      conn.disconnectSync();
    }
  } finally {
    instance.closeSync();
  }
}

export function viewTables(c: GenCase): TableSpec[] {
  return c.views.map((v) => {
    const keys = c.entities[v.entity]!.keys;
    return {
      table: v.table,
      columns: [
        ...keys.map((k) => ({ name: k.name, type: k.type as ColumnType })),
        { name: v.timestampColumn, type: "timestamp" as ColumnType },
        ...(v.createdColumn === null ? [] : [{ name: v.createdColumn, type: "timestamp" as ColumnType }]),
        ...v.features.map((f) => ({ name: f.name, type: f.type as ColumnType })),
      ],
      rows: v.rows,
    };
  });
}

export function entityTable(c: GenCase, table = "raw.entities"): TableSpec {
  return { table, columns: c.entityColumns.map((col: ColumnSpec) => ({ name: col.name, type: col.type })), rows: c.entityRows };
}

// ---------------------------------------------------------------------------------------------
// Entity files
// ---------------------------------------------------------------------------------------------

/** The text a value is written as in an entity CSV (null for NULL): what `train` must give back unchanged. */
export function csvText(v: Value, type: ColumnType): string | null {
  if (v === null) return null;
  if (type === "timestamp") return isoFromMicros(v as bigint);
  return String(v);
}

function csvField(v: Value, type: ColumnType): string {
  const text = csvText(v, type);
  if (text === null) return "";
  return typeof v === "string" ? `"${text.replaceAll('"', '""')}"` : text;
}

export function writeEntitiesCsv(file: string, spec: TableSpec): void {
  const lines = [spec.columns.map((c) => c.name).join(",")];
  for (const r of spec.rows) lines.push(spec.columns.map((c) => csvField(r[c.name] ?? null, c.type)).join(","));
  writeFileSync(file, lines.join("\n") + "\n");
}

/** Copies a table of an open database to a Parquet file. */
export async function copyToParquet(conn: DuckDBConnection, table: string, file: string): Promise<void> {
  const q = table.split(".").map(quoteIdent).join(".");
  await conn.run(`COPY (SELECT * FROM ${q}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet)`);
}

// ---------------------------------------------------------------------------------------------
// Reading results back
// ---------------------------------------------------------------------------------------------

const INTEGER_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
]);

/** DuckDB value → reference value. */
export function normalize(v: DuckDBValue, type: DuckDBType): Value {
  if (v === null) return null;
  const id = type.typeId;
  if (INTEGER_TYPES.has(id)) return typeof v === "bigint" ? v : BigInt(v as number);
  switch (id) {
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return v as number;
    case DuckDBTypeId.VARCHAR:
      return v as string;
    case DuckDBTypeId.BOOLEAN:
      return v as boolean;
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return (v as { micros: bigint }).micros;
    case DuckDBTypeId.TIMESTAMP_MS:
      return (v as { millis: bigint }).millis * 1000n;
    case DuckDBTypeId.TIMESTAMP_S:
      return (v as { seconds: bigint }).seconds * 1_000_000n;
    case DuckDBTypeId.TIMESTAMP_NS:
      return (v as { nanos: bigint }).nanos / 1000n;
    case DuckDBTypeId.DECIMAL:
      return String(v); // its text, e.g. 1.50
    default:
      throw new Error(`unexpected DuckDB type ${type.toString()} for value ${String(v)}`);
  }
}

export interface ReadResult {
  columns: string[];
  types: string[];
  rows: Value[][];
}

export async function query(conn: DuckDBConnection, sql: string): Promise<ReadResult> {
  const reader = await conn.runAndReadAll(sql);
  const types = reader.columnTypes();
  return {
    columns: reader.columnNames(),
    types: types.map((t) => t.toString()),
    rows: reader.getRows().map((r) => r.map((v, i) => normalize(v, types[i]!))),
  };
}

/** Reads a Parquet or CSV output file with an in-memory DuckDB (CSV: types as DuckDB's sniffer guesses them). */
export async function readOutput(file: string): Promise<ReadResult> {
  const lit = `'${file.replaceAll("'", "''")}'`;
  const from = file.endsWith(".parquet") ? `read_parquet(${lit})` : `read_csv(${lit})`;
  return withDuckDB(":memory:", async (conn) => {
    await conn.run("SET TimeZone = 'UTC'");
    return query(conn, `SELECT * FROM ${from}`);
  });
}

/** JSON-ish text of rows for failure messages (bigint as `123n`). */
export function show(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    typeof v === "bigint" ? `${v}n` : typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
  );
}
