import type { RunStep } from "../compile/run-plan.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

/** Output formats of a training set. */
export type OutputFormat = "csv" | "parquet";

/** Where `train` takes its entity rows from. */
export type EntitySource = { file: string; format: "csv" | "parquet" } | { sql: string };

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
   * Makes the entity rows readable by the training query and returns the relation to read them
   * from (the dialect's training template knows whether it numbers the rows or finds them numbered).
   */
  loadEntities(source: EntitySource): Promise<string>;
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
   * `what` names the query in errors; `onProgress` gets the engine's estimate in percent while it
   * runs, where it has one.
   */
  exportQuery(
    sql: string,
    out: string,
    format: OutputFormat,
    opts?: { what?: string; onProgress?: (percent: number) => void },
  ): Promise<number>;
  /**
   * Builds each step's table under a new name and swaps it in, and records the watermarks, all in
   * one transaction: a failure or a killed process leaves the previous tables and watermarks.
   * Returns each step's row count.
   */
  materialize(schema: string, steps: MaterializeStep[], progress?: (step: MaterializeStep, i: number) => void): Promise<number[]>;
  /**
   * Executes statements in order in one transaction: all or nothing (`fcompile clean`). On
   * PostgreSQL under the schema's lock that `run` and `materialize` take, so it never interleaves
   * with them. `what` names each statement in errors.
   */
  executeAll(schema: string, statements: { sql: string; what: string }[]): Promise<void>;
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
