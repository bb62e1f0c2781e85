import type { FeatureType } from "../registry/types.js";

/** Names of the SQL dialects fcompile compiles to. */
export type DialectName = "duckdb" | "postgres";

/** Templates every dialect provides under `templates/<dialect>/<name>.sql.hbs`. */
export type TemplateName = "training" | "materialize" | "run-file-source" | "run-sql-view";

/**
 * What compilation needs to know about a warehouse's SQL. Pure: no connection, no driver.
 * A new dialect implements this and adds its templates (see docs in README, "Adding a dialect").
 */
export interface Dialect {
  readonly name: DialectName;
  /** Quotes an identifier that has already been validated. */
  quote(identifier: string): string;
  /** `"schema"."table"` from name parts. */
  qualified(parts: readonly string[]): string;
  /** A string literal with quotes escaped. */
  stringLiteral(value: string): string;
  /** An interval literal of whole seconds, written in the largest unit that divides it. */
  interval(seconds: number): string;
  /** The SQL type a feature of type `t` is cast to. */
  sqlType(t: FeatureType): string;
  /** An expression as it is ordered for tie-breaks: strings must order by bytes on every engine. */
  orderKey(expr: string, t: FeatureType): string;
  /** A relation reading a data file, e.g. `read_csv('data/x.csv')`. */
  fileRelation(format: "csv" | "parquet", projectPath: string): string;
  /** A run-time parameter (e.g. the materialization end time), readable when run by hand. */
  parameter(name: string): string;
  /** A timestamp expression as whole microseconds since 1970-01-01 UTC (BIGINT): exact in every driver. */
  epochMicros(expr: string): string;
  /**
   * Whether point-in-time lookups need an index on (join keys, timestamp): `run` creates it on
   * the tables fcompile owns, and `build` writes advice for the user's own tables.
   */
  readonly wantsIndexes: boolean;
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
  /** Renders one of the dialect's templates. */
  render(template: TemplateName, context: object): string;
}
