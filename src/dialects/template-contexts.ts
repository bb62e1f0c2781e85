/**
 * What each template is rendered with: one typed context per template name, so a template and the
 * code that fills it cannot drift apart unnoticed. Identifiers and relations arrive quoted.
 */
import type { TrainingTemplateContext } from "./training-context.js";

/** A table built under a new name and swapped in (templates/_shared/swap.sql.hbs). */
export interface SwapContext {
  /** The table being built, e.g. `"s"."view__x__fc_new"`. */
  building: string;
  /** The table it replaces, e.g. `"s"."view__x"`. */
  relation: string;
  /** The replaced table's name alone (for RENAME TO), quoted. */
  table: string;
  /** Index column lists to create on the new table before the swap, e.g. `("k", "ts") INCLUDE ("f")`. */
  indexes: string[];
  /** ANALYZE the new table (Dialect.afterBuild.analyze). */
  analyze: boolean;
}

/** `run/000_begin.sql` and `materialize/_begin.sql`: the transaction, its lock, the schema (template `begin`). */
export interface BeginContext {
  /** What the transaction does, for the header comment. */
  title: string;
  /** Dialect.transactionLock's statement, if the dialect has one. */
  lock?: string;
  /** The schema fcompile owns, quoted. */
  schema: string;
  /** The watermark table (materialize only), quoted and qualified. */
  watermarks?: string;
}

/** A column of a file source's table. */
export interface FileSourceColumn {
  /** Quoted column name. */
  name: string;
  /** Its SQL type in this dialect. */
  type: string;
  /** Where the type comes from, for the comment beside it (e.g. `declared int64`, `file: BIGINT`). */
  from: string;
}

/** `run/NNN_source__x.sql`: a file source loaded into a table. */
export interface RunFileSourceContext extends SwapContext {
  sourceName: string;
  /** The data file, relative to the project folder. */
  projectPath: string;
  format: "csv" | "parquet";
  /** Dialect.fileRelation of the file (engines that read files themselves). */
  read: string;
  /** The table's columns in file order; only the typed ones when the file was not there at build. */
  columns: FileSourceColumn[];
  /** Whether `columns` lists every column of the file (the file was there when this was compiled). */
  columnsKnown: boolean;
  /** Columns with a declared type, as `CAST("c" AS T) AS "c"` (engines that read files themselves). */
  casts: string[];
  /** The file's columns in file order, quoted and comma-separated (the COPY column list). */
  copyColumns: string;
  /** The select list DuckDB writes the file's CSV with, for engines that load with COPY. */
  exportColumns: string;
  /** DuckDB's relation reading the file (`read_csv('data/x.csv')`), named in comments. */
  duckdbRead: string;
  /**
   * For a push source: `pushed__<source>` (quoted), whose rows — every row pushed offline — are
   * added to the table after the file's, except those whose `dedupe` column (quoted) the file already has.
   */
  pushed?: { relation: string; dedupe?: string };
}

/** `run/NNN_view__x.sql`: an SQL feature view built as a table. */
export interface RunSqlViewContext extends SwapContext {
  viewName: string;
  /** The view's .sql file, relative to the project folder. */
  sqlFile: string;
  /** The view's SELECT with `{{source}}` / `{{ref}}` replaced by relations. */
  sql: string;
}

/** `run/NNN_vacuum.sql`: after the run's transaction (template `after`). */
export interface RunAfterContext {
  /** Tables to VACUUM (Dialect.afterBuild.vacuum). */
  vacuum: string[];
}

/** `materialize/<view>.sql` (and its `.window` / `.incremental` variants): the latest row per entity. */
export interface MaterializeContext {
  viewName: string;
  /** The relation the view's rows come from. */
  relation: string;
  /** The previous materialization to merge (incremental). */
  previous?: string;
  /** Quoted join keys. */
  keys: string[];
  /** Quoted timestamp column. */
  ts: string;
  /** Select list of the inner reads (keys, `__fc_ts`, `__fc_created`, typed features). */
  columns: string;
  /** Select list of the result. */
  outputColumns: string;
  /** Ranking of rows per entity, winner first. */
  orderBy: string[];
  /** The ttl as an interval literal. */
  ttl?: string;
  /** Whether rows are read only from the start parameter on. */
  hasStart: boolean;
  /** The end-time parameter (Dialect.parameter). */
  end: string;
  /** The start-time parameter. */
  start: string;
}

/** The statements around a materialization query: build, swap, watermark. */
export interface MaterializeViewContext extends SwapContext {
  viewName: string;
  /** `full`, `window` or `incremental`: the mode recorded in the watermark. */
  mode: string;
  /** The materialization query (the `materialize` template). */
  query: string;
  /** The watermark table, qualified. */
  watermarks: string;
  /** The view's definition hash (manifest.json), as a string literal. */
  viewHash: string;
  /** The view name as a string literal. */
  viewLiteral: string;
  /** End-time parameter; start-time parameter or `NULL`. */
  end: string;
  start: string;
}

/** The training query's context (./training-context.ts; src/compile/training.ts fills it). */
export type TrainingContext = TrainingTemplateContext;

/** Every template and its context. */
export interface TemplateContexts {
  training: TrainingContext;
  begin: BeginContext;
  commit: Record<string, never>;
  after: RunAfterContext;
  "run-file-source": RunFileSourceContext;
  "run-sql-view": RunSqlViewContext;
  materialize: MaterializeContext;
  "materialize-view": MaterializeViewContext;
}
