import type { RunStep } from "../compile/run-plan.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

/** Output formats of a training set. */
export type OutputFormat = "csv" | "parquet";

/** Where `train` takes its entity rows from. */
export type EntitySource = { file: string; format: "csv" | "parquet" } | { sql: string };

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
