import type { AggregationFunction, FeatureType } from "../registry/types.js";
import type { TemplateContexts } from "./template-contexts.js";

/**
 * Templates a dialect renders, from `templates/<dialect>/<name>.sql.hbs`, or from
 * `templates/_shared/<name>.sql.hbs` when the dialect has none of its own.
 */
export type TemplateName = keyof TemplateContexts;

/**
 * The SQL type a column of a data file gets in a warehouse table, from the DuckDB type DuckDB reads
 * it as (CSV: DuckDB's sniffer; Parquet: the file's schema). `unsupported` says why it cannot be
 * held, for an error naming the file and column.
 */
export type FileColumnType =
  | {
      sqlType: string;
      /**
       * How DuckDB writes the column when the file is streamed to the warehouse as CSV (`$` stands
       * for the quoted column), when the plain value would not read back as `sqlType`.
       */
      exportAs?: string;
    }
  | { unsupported: string };

/** node-sql-parser grammars that can check a dialect's SQL (its `database` option). */
export type SqlGrammar = "postgresql" | "trino" | "bigquery" | "snowflake" | "mysql";

/**
 * What compilation needs to know about a warehouse's SQL. Pure: no connection, no driver.
 * A new dialect implements this and adds its templates (docs/adding-a-dialect.md).
 */
/** What Dialect.aggregate is given. */
export interface AggregateSpec {
  function: AggregationFunction;
  /** The aggregated value, already cast (to the column's type; to DOUBLE for avg and stddev); absent for `count` of events. */
  value?: string;
  /** The type of `value` (for min, max and last, the output type). */
  type: FeatureType;
  /** The condition a row must meet to count: inside the window, and the filter true. */
  when: string;
  /** For `last`: the order whose greatest row wins (timestamp, created timestamp, value), as `expr DESC NULLS LAST` items. */
  lastOrder: string[];
}

export interface Dialect {
  /** The dialect's name: its key in DIALECTS (src/dialects/index.ts) and its folder under templates/. */
  readonly name: string;
  /** Quotes an identifier that has already been validated. */
  quote(identifier: string): string;
  /** `"schema"."table"` from name parts. */
  qualified(parts: readonly string[]): string;
  /** A string literal with quotes escaped. */
  stringLiteral(value: string): string;
  /** An interval literal of whole seconds, written in the largest unit that divides it. */
  interval(seconds: number): string;
  /** The SQL type a feature of type `t` is cast to (join keys use `int64` and `string`). */
  sqlType(t: FeatureType): string;
  /**
   * A value of any type as text that is equal exactly when `count(DISTINCT …)` counts the values
   * as one: its cast to text, except that a float's negative zero is written as zero (the
   * warehouses count -0.0 and 0.0 as one value, but write them apart). The online state of
   * `count_distinct` holds this text (src/compile/aggregation-state.ts).
   */
  distinctText(expr: string): string;
  /** An expression as it is ordered for tie-breaks: strings must order by bytes on every engine. */
  orderKey(expr: string, t: FeatureType): string;
  /**
   * One aggregate of an aggregation view's training query (docs/aggregations.md), over the rows
   * of a GROUP BY where `spec.when` is true: `count(*) FILTER (WHERE …)`, a sum cast to its type,
   * `last` as the value of the greatest row in `spec.lastOrder`, …. Strings order by bytes.
   */
  aggregate(spec: AggregateSpec): string;
  /**
   * Time buckets for an aggregation view's training join (docs/aggregations.md, "Training"), where
   * they pay: the join of entity rows and events becomes an equi-join on (keys, bucket) with
   * buckets as long as the longest window, so each entity row meets the events of at most two
   * buckets rather than every event of its key (measured on DuckDB, whose range join is a hash
   * join on the keys alone; on PostgreSQL it was slower). Absent: a plain range join.
   */
  readonly aggregationBuckets?: {
    /** The bucket of a TIMESTAMP: a monotonic integer, `width` microseconds per bucket. */
    bucketOf(ts: string, widthMicros: bigint): string;
    /** A set-returning select-list expression: every integer from `from` to `to`, both included. */
    series(from: string, to: string): string;
  };
  /** A relation reading a data file, e.g. `read_csv('data/x.csv')`. */
  fileRelation(format: "csv" | "parquet", projectPath: string): string;
  /** A run-time parameter (e.g. the materialization end time), readable when run by hand. */
  parameter(name: string): string;
  /** A timestamp expression as whole microseconds since 1970-01-01 UTC (BIGINT): exact in every driver. */
  epochMicros(expr: string): string;
  /**
   * The table column type of a data file's column that DuckDB reads as `duckdbType` (e.g.
   * `TIMESTAMP_NS`, `DECIMAL(18,3)`, `INTEGER[]`), for columns with no declared type.
   */
  fileColumnType(duckdbType: string): FileColumnType;
  /**
   * Whether point-in-time lookups need an index on (join keys, timestamp): `run` creates it on
   * the tables fcompile owns, and `build` writes advice for the user's own tables.
   */
  readonly wantsIndexes: boolean;
  /** What a freshly built table needs before lookups read it well. */
  readonly afterBuild: {
    /** `ANALYZE` it inside the run (planner statistics). */
    analyze: boolean;
    /** `VACUUM` it after the run's transaction (index-only scans need the visibility map). */
    vacuum: boolean;
  };
  /**
   * The statement that makes two runs (or materializations) of one schema wait for each other
   * inside their transaction, if the engine needs one (an embedded database has one writer anyway).
   */
  transactionLock?(key: string): string;
  /**
   * How a data file reaches a table: `read` — the engine reads it itself (`fileRelation`);
   * `copy` — the runner streams it as CSV into `COPY … FROM STDIN`; `external` — neither (the
   * compiled file creates the table, the user fills it: engines that read no local files).
   */
  readonly loadsFiles: "read" | "copy" | "external";
  /** The node-sql-parser grammar that checks user SQL for this dialect (`build`, FC008). */
  readonly sqlGrammar: SqlGrammar;
  // ---- Training-query capabilities (added by helper "training"; src/compile/training-shapes.ts
  // reads them to pick each view's shape, and the training templates get the choice as data) ----
  /** `ASOF LEFT JOIN … ON keys AND entity_ts >= ts`: one sort-merge pass per view. */
  readonly supportsAsofJoin: boolean;
  /** `QUALIFY <window condition>`, a filter on window results without a subquery. */
  readonly supportsQualify: boolean;
  /** `FETCH FIRST 1 ROW WITH TIES`: the rows at the greatest timestamp in one index walk. */
  readonly supportsWithTies: boolean;
  /**
   * How entity rows get their input position. `query`: the training query numbers them itself
   * (`row_number() OVER ()` over the relation as read, which keeps input order); `load`: the
   * warehouse numbers them while loading them (`loadEntities`), in a column named by
   * `entityRowIdColumn` (src/compile/internal-names.ts).
   */
  readonly numbersEntityRows: "query" | "load";
  // ---- end of training-query capabilities ----
  /** Renders one of the dialect's templates with its typed context. */
  render<N extends TemplateName>(template: N, context: TemplateContexts[N]): string;
}
