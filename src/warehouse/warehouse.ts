import type { PushAppendPlan } from "../compile/push-append.js";
import type { RunPlan, RunStep } from "../compile/run-plan.js";
import type { CompiledScript } from "../compile/sql-script.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { EntitySpec, LoadedEntities } from "./entity-rows.js";
import type { PitIndexFacts } from "./pit-index-facts.js";
import type { AppendResult } from "./push-append.js";

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

/** One view's materialization: its compiled script and the parameters it reads. */
export interface MaterializeStep {
  view: string;
  /** `materialize/<view>[.window|.incremental].sql`: build under a new name, swap, watermark. */
  script: CompiledScript;
  /** `target/compiled/<dialect>/materialize/…` (named in errors). */
  file: string;
  /** Run-time parameters (`fc_end`, `fc_start`) as UTC timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]`. */
  params: { fc_end: string; fc_start?: string };
}

/** What `materialize` executes: the transaction's start, each view's script, the commit. */
export interface MaterializePlan {
  begin: CompiledScript;
  views: MaterializeStep[];
  commit: CompiledScript;
}

/** A column of a relation and its type as the engine names it (DuckDB: DESCRIBE; PostgreSQL: format_type). */
export interface ColumnInfo {
  name: string;
  type: string;
}

/**
 * What a runner sent to its engine, for tests and tracing: a statement of a compiled file, a
 * run-time parameter it set, or a data file it streamed into a `COPY … FROM STDIN` statement.
 */
export type ExecutedStatement =
  | { kind: "statement"; sql: string; file: string }
  | { kind: "parameter"; name: string; value: string }
  | { kind: "stream"; sql: string; file: string; data: string };

/** Runs compiled SQL in one warehouse. The compiler never imports an implementation. */
export interface Warehouse {
  /**
   * Executes a run plan's statements in order, all-or-nothing: on any failure the previous tables
   * stay as they were. `check` is called with a step's table columns right after the statement
   * that creates it; problems it returns abort the run.
   */
  run(
    plan: RunPlan,
    check: (step: RunStep, columns: ColumnInfo[]) => Diagnostic[],
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
  /** Columns of a relation or parenthesized query, with their types. */
  describe(relationSql: string): Promise<ColumnInfo[]>;
  /**
   * What the catalog says about `relation` (a qualified, quoted relation as compiled SQL names it)
   * for point-in-time training: whether an index for lookups exists, and whether (keys, timestamp)
   * is unique (PitIndexFacts). Both false for a view, or a relation that does not exist. `train`
   * asks before choosing a view's shape (src/compile/training-shapes.ts).
   */
  pitIndexFacts(relation: string, keys: readonly string[], timestamp: string): Promise<PitIndexFacts>;
  /** Whether a table or view exists. */
  tableExists(schema: string, table: string): Promise<boolean>;
  /**
   * Streams a query's result into a file inside the warehouse engine; returns the row count.
   * Values take the forms of docs/values.md on every warehouse (DuckDB writes the file).
   */
  exportQuery(sql: string, out: string, format: OutputFormat, opts?: ExportOptions): Promise<number>;
  /**
   * Executes a materialize plan's statements (each view built under a new name, swapped in, its
   * watermark recorded) in one transaction: a failure or a killed process leaves the previous
   * tables and watermarks. Returns each view's row count.
   */
  materialize(plan: MaterializePlan, progress?: (step: MaterializeStep, i: number) => void): Promise<number[]>;
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
  /**
   * Appends pushed rows offline (compilePushAppend; values as text, NULL as null, in the plan's
   * column order) in one transaction, under the schema's lock `run` takes: all rows (less the
   * duplicates) or none. Returns the count appended, or every value the warehouse cannot cast
   * (`checkOnly`: only those, writing nothing).
   */
  appendPushed(plan: PushAppendPlan, rows: readonly (readonly (string | null)[])[], opts?: { checkOnly?: boolean }): Promise<AppendResult>;
  /**
   * Runs one read-only query with run-time parameters (Dialect.parameter: `fc_start`, `fc_end`
   * as UTC timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]`, or `-infinity` / `infinity`) and returns
   * its rows as objects (`fcompile test`). `what` names it in errors.
   */
  queryWithParameters(sql: string, params: Record<string, string>, what: string): Promise<Record<string, unknown>[]>;
  /** Called with everything `run` and `materialize` send to the engine, in order (tests record it). */
  onStatement?: (s: ExecutedStatement) => void;
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
