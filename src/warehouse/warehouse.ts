import type { RunStep } from "../compile/run-plan.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { EntitySpec, LoadedEntities } from "./entity-rows.js";

/** Output formats of a training set. */
export type OutputFormat = "csv" | "parquet";

/** Where `train` takes its entity rows from (`display`: the file as the user named it, for errors). */
export type EntitySource = { file: string; format: "csv" | "parquet"; display?: string } | { sql: string };

/** Options of `exportQuery`. */
export interface ExportOptions {
  /** Names the query in errors. */
  what?: string;
  /** Gets the engine's estimate in percent while the query runs, where it has one. */
  onProgress?: (percent: number) => void;
  /**
   * The entity rows the query read (from `loadEntities`): the file then starts with the input's
   * own columns, unchanged, followed by the query's columns after `entities.columns`.
   */
  entities?: LoadedEntities;
}

/** What `materialize` last wrote for a view: the watermark an incremental run continues from. */
export interface Watermark {
  view: string;
  /** UTC, `YYYY-MM-DD HH:MM:SS[.ffffff]`. */
  endTime: string;
  startTime: string | null;
  mode: "full" | "incremental" | "window";
  rows: number;
  /** Content hash of the view's definition when it was materialized (manifest.json's `hash`). */
  viewHash: string;
  materializedAt: string;
}

/** DDL of the watermark table (`textType`: the warehouse's name for text). */
export function watermarkTableDdl(relation: string, textType: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${relation} (view_name ${textType} PRIMARY KEY, end_time TIMESTAMP NOT NULL, start_time TIMESTAMP, ` +
    `mode ${textType} NOT NULL, row_count BIGINT NOT NULL, view_hash ${textType} NOT NULL, materialized_at TIMESTAMP NOT NULL)`
  );
}

/** Reads the watermark table with timestamps as text (`textType`: the warehouse's name for text). */
export function watermarkSelect(relation: string, textType: string): string {
  const text = (c: string): string => `CAST(${c} AS ${textType}) AS ${c}`;
  return `SELECT view_name, ${text("end_time")}, ${text("start_time")}, mode, row_count, view_hash, ${text("materialized_at")} FROM ${relation}`;
}

/** A row of `watermarkSelect` as a Watermark. */
export function watermarkFromRow(row: Record<string, unknown>): Watermark {
  return {
    view: String(row.view_name),
    endTime: String(row.end_time),
    startTime: row.start_time === null ? null : String(row.start_time),
    mode: String(row.mode) as Watermark["mode"],
    rows: Number(row.row_count),
    viewHash: String(row.view_hash),
    materializedAt: String(row.materialized_at),
  };
}

/** One view's materialization: a query built into a new table that replaces the old one. */
export interface MaterializeStep {
  view: string;
  /** Unquoted [schema, table] of the materialization table. */
  table: [string, string];
  sql: string;
  /** Names the query in errors, e.g. its compiled file. */
  what: string;
  /** Run-time parameters (`fc_end`, `fc_start`) as UTC timestamps. */
  params: { fc_end: string; fc_start?: string };
  watermark: Omit<Watermark, "rows" | "materializedAt">;
}

/** Runs compiled SQL in one warehouse. The compiler never imports an implementation. */
export interface Warehouse {
  /**
   * Executes `run` steps all-or-nothing: on any failure the previous tables stay as they were.
   * `check` is called after each step with the created table's columns; problems it returns abort the run.
   */
  run(
    steps: RunStep[],
    check: (step: RunStep, columns: string[]) => Diagnostic[],
    progress?: (step: RunStep, i: number) => void,
  ): Promise<void>;
  /**
   * Reads the entity rows (a file or a query) and makes them ready for the training query: the
   * input is kept as it came in, and the join keys and timestamp are converted into a relation of
   * their own (see entity-rows.ts). Throws FcUserError naming the file, line and column of a value
   * that does not convert, or of a malformed row.
   */
  loadEntities(source: EntitySource, spec: EntitySpec): Promise<LoadedEntities>;
  /** Column names of a relation or parenthesized query. */
  columnsOf(relationSql: string): Promise<string[]>;
  /**
   * Whether `relation` (a qualified, quoted relation as compiled SQL names it) has a usable index
   * for point-in-time lookups: a valid, non-partial btree index whose leading key columns are
   * `keys` (in any order) followed by `timestamp`. False for a view, or a relation that does not
   * exist. `train` asks before choosing a lookup shape (src/compile/training-shapes.ts).
   */
  pitIndexExists(relation: string, keys: readonly string[], timestamp: string): Promise<boolean>;
  /** Whether a table or view exists. */
  tableExists(schema: string, table: string): Promise<boolean>;
  /**
   * Streams a query's result into a file inside the warehouse engine; returns the row count.
   * Values take the forms of docs/values.md on every warehouse (DuckDB writes the file).
   */
  exportQuery(sql: string, out: string, format: OutputFormat, opts?: ExportOptions): Promise<number>;
  /**
   * Builds each step's table under a new name and swaps it in, and records the watermarks, all in
   * one transaction: a failure or a killed process leaves the previous tables and watermarks.
   * Returns each step's row count.
   */
  materialize(schema: string, steps: MaterializeStep[], progress?: (step: MaterializeStep, i: number) => void): Promise<number[]>;
  /** The recorded watermarks of a schema, by view (none before the first `materialize`). */
  watermarks(schema: string): Promise<Map<string, Watermark>>;
  /**
   * Streams a query's rows in batches, as arrays in column order: BIGINT as bigint, other
   * numbers as number, text as string, booleans as boolean (timestamps: select them as epoch
   * microseconds). Never holds the whole result in memory.
   */
  readRows(sql: string, opts?: { what?: string; batchSize?: number }): AsyncGenerator<unknown[][]>;
  close(): Promise<void>;
}

/** A warehouse statement failed: carries the SQL file or step and the engine's message. */
export class WarehouseError extends Error {
  constructor(
    message: string,
    readonly sql?: string,
  ) {
    super(message);
    this.name = "WarehouseError";
  }
}
