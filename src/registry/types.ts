import type { SourceLocation } from "../diagnostics/diagnostic.js";
import type { FilterExpr } from "./filter-expression.js";

/** Feature value types (README, "A project"). */
export type FeatureType = "int32" | "int64" | "float32" | "float64" | "string" | "bool" | "timestamp";

/** A column of a data file and the DuckDB type its values read as (CSV: DuckDB's sniffer; Parquet: the file's schema). */
export interface DataFileColumn {
  name: string;
  /** DuckDB's type name, e.g. `BIGINT`, `VARCHAR`, `TIMESTAMP`. */
  duckdbType: string;
}

/** Metadata every named object can carry. */
export interface Meta {
  name: string;
  description?: string;
  owner?: string;
  tags: Record<string, string | number | boolean>;
  /** Where the object's name is written. */
  at: SourceLocation;
}

/** Types a join key can have (as Feast's `value_type`): keys compare, and are cast, as this type. */
export type JoinKeyType = "int64" | "string";

export interface Entity extends Meta {
  joinKeys: string[];
  /**
   * The type of each join key that has one: declared on the entity, or inferred at build from the
   * views (a file source's column, when the file is there). A key missing here is typed by the
   * warehouse column it is read from (training) or the materialization (online).
   */
  keyTypes: Partial<Record<string, JoinKeyType>>;
}

/**
 * What every source can declare about pushes (docs/push.md): `push: true` makes it a push source
 * (as Feast's PushSource wraps a batch source), whose events `client.push`, `fcompile push` and
 * `POST /push` add online (and offline) at once.
 */
interface PushDecl {
  /**
   * Columns that hold labels (`labels:`; docs/governance.md): what models predict, known only
   * after the event. A feature computed from one leaks the label (lint).
   */
  labels: string[];
  /** A push source: its views take pushed events. */
  push: boolean;
  /** An event-id column (`dedupe_key:`, needs `push`): an event whose id was pushed before is skipped as a duplicate. */
  dedupeKey?: string;
}

export interface FileSource extends Meta, PushDecl {
  kind: "file";
  /** Absolute path of the data file. */
  path: string;
  /** Path relative to the project folder. */
  projectPath: string;
  format: "csv" | "parquet";
  timestamp: string;
  createdTimestamp?: string;
}

export interface TableSource extends Meta, PushDecl {
  kind: "table";
  /** Table name split on dots: [schema, table] or [catalog, schema, table]. */
  table: string[];
  timestamp: string;
  createdTimestamp?: string;
}

export type Source = FileSource | TableSource;

export interface Feature {
  name: string;
  type: FeatureType;
  description?: string;
  owner?: string;
  tags: Record<string, string | number | boolean>;
  view: string;
  at: SourceLocation;
  /** Data tests of its values (`tests:`; docs/governance.md), in the order written. */
  tests: FeatureTest[];
  /** A drift check against a saved profile (`drift:`; docs/governance.md). */
  drift?: DriftCheck;
}

/**
 * A data test of one feature's values (`tests:` of a feature; docs/governance.md), compiled to SQL
 * that returns the failing rows, as dbt's tests do: `not_null` (no NULL), `max_null_rate` (the
 * share of NULLs at most `rate`, 0 … 1), `range` (every non-NULL value in `[min, max]`, either
 * bound optional), `accepted_values` (every non-NULL value one of `values`). `at`: where it is written.
 */
export type FeatureTest =
  | { kind: "not_null"; at: SourceLocation }
  | { kind: "max_null_rate"; rate: number; at: SourceLocation }
  | { kind: "range"; min?: number; max?: number; at: SourceLocation }
  | { kind: "accepted_values"; values: (string | number | boolean)[]; at: SourceLocation };

/**
 * `drift:` of a feature (docs/governance.md): the tested rows' distribution against the saved
 * profile `profiles/<baseline>.json`; fails when the population stability index exceeds `maxPsi`
 * (default 0.25: the usual "major change" band) or, for numbers, the Kolmogorov–Smirnov statistic
 * exceeds `maxKs` (no limit unless given).
 */
export interface DriftCheck {
  baseline: string;
  maxPsi: number;
  maxKs?: number;
  at: SourceLocation;
  /** Where the baseline's name is written (a missing profile is reported here). */
  baselineAt: SourceLocation;
}

/**
 * `freshness:` of a view (docs/governance.md): how old its newest event may be, against now (or
 * `fcompile test --at`), before `fcompile test` warns and fails; as written (`2d`) and in seconds.
 * At least one is given; `warnAfter` ≤ `errorAfter` when both are.
 */
export interface Freshness {
  warnAfter?: string;
  warnAfterSeconds?: number;
  errorAfter?: string;
  errorAfterSeconds?: number;
  at: SourceLocation;
}

/** A data test of a view's rows (`tests:` of a view): `unique_per_entity_and_time` (no two rows share join keys and timestamp). */
export type ViewTest = { kind: "unique_per_entity_and_time"; at: SourceLocation };

/** A piece of user SQL: text, or a `{{source "x"}}` / `{{ref "y"}}` placeholder. */
export type SqlPart = string | { kind: "source" | "ref"; name: string; at: SourceLocation; raw: string };

interface ViewBase extends Meta {
  entities: string[];
  /** Join keys of all entities, in order. */
  joinKeys: string[];
  /** The types of those join keys that have one (from the entities; see Entity.keyTypes). */
  keyTypes: Partial<Record<string, JoinKeyType>>;
  timestamp: string;
  createdTimestamp?: string;
  /** Original ttl text, e.g. "30d". */
  ttl?: string;
  ttlSeconds?: number;
  features: Feature[];
  /**
   * `lateness:` as written (plain views and aggregation views over a push source only): a pushed
   * event older than the newest event time the view has seen by more than this is late, and not
   * written (docs/push.md). Absent: nothing is late.
   */
  lateness?: string;
  latenessSeconds?: number;
  /** The expected update frequency (`freshness:`; docs/governance.md). */
  freshness?: Freshness;
  /** Data tests of the view's rows (`tests:` of the view). */
  tests: ViewTest[];
}

/** A view whose rows are a source's rows. */
export interface PlainView extends ViewBase {
  kind: "plain";
  source: string;
}

/** A view whose rows are the result of a SELECT over sources and other SQL views. */
export interface SqlView extends ViewBase {
  kind: "sql";
  /** The .sql file relative to the project folder. */
  sqlFile: string;
  sqlText: string;
  parts: SqlPart[];
}

/** SQL that yields a view's rows: a SELECT over sources and SQL views (`{{source}}`, `{{ref}}`). */
export interface SqlRows {
  /** The .sql file relative to the project folder. */
  sqlFile: string;
  sqlText: string;
  parts: SqlPart[];
}

/** Aggregation functions (docs/aggregations.md). */
export type AggregationFunction = "count" | "sum" | "avg" | "min" | "max" | "stddev" | "last" | "count_distinct";

/**
 * One windowed aggregation: at entity timestamp T it aggregates the events with
 * `T − window <= ts < T` (no lower edge for `lifetime`) that pass the filter (docs/aggregations.md).
 */
export interface Aggregation {
  function: AggregationFunction;
  /** Where the function is written (for diagnostics about it). */
  functionAt?: SourceLocation;
  /** The aggregated column; absent only for `count` (which then counts events). */
  column?: string;
  /** Where the column is written (for diagnostics about it, e.g. lint's label leak). */
  columnAt?: SourceLocation;
  /** The window as written: a duration (`30d`) or `lifetime`. */
  window: string;
  /** Where the window is written. */
  windowAt?: SourceLocation;
  /** The window in seconds; undefined for `lifetime`. */
  windowSeconds?: number;
  /** An SQL predicate over the events' columns, as written; events for which it is not true are left out. */
  filter?: string;
  /** Where the filter is written (for diagnostics in its SQL). */
  filterAt?: SourceLocation;
  /**
   * The filter in portable form (src/registry/filter-expression.ts), evaluated online for pushed
   * events; set for the aggregations of views over a push source only.
   */
  filterExpr?: FilterExpr;
}

/** A feature of an aggregation view. */
export interface AggregationFeature extends Feature {
  aggregation: Aggregation;
}

/**
 * A view whose features are windowed aggregations over events: a source's rows, or the rows of
 * its own SQL. Its timestamp is the events' time; its created timestamp breaks ties for `last`.
 */
export interface AggregationView extends ViewBase {
  kind: "aggregation";
  events: { kind: "source"; source: string } | ({ kind: "sql" } & SqlRows);
  features: AggregationFeature[];
  /**
   * The opt-in bounded-memory approximation (docs/aggregations.md, "Hop"): online, each window's
   * lower edge is rounded down to a multiple of the hop (UTC epoch-aligned), so the state holds
   * per-hop partial aggregates instead of raw events. As written (`1h`), and in seconds.
   */
  hop?: string;
  hopSeconds?: number;
}

export type FeatureView = PlainView | SqlView | AggregationView;

/**
 * The columns of a view's rows its features read: the features themselves (plain and SQL views),
 * or the aggregated columns (aggregation views), in order, without repeats.
 */
export function featureColumns(view: FeatureView): string[] {
  switch (view.kind) {
    case "plain":
    case "sql":
      return view.features.map((f) => f.name);
    case "aggregation":
      return [...new Set(view.features.flatMap((f) => (f.aggregation.column !== undefined ? [f.aggregation.column] : [])))];
    default:
      return unreachable(view);
  }
}

/** The SQL that yields a view's rows, for the views `run` builds a table for (SQL views, aggregation views over SQL). */
export function sqlRowsOf(view: FeatureView): SqlRows | undefined {
  switch (view.kind) {
    case "plain":
      return undefined;
    case "sql":
      return view;
    case "aggregation":
      return view.events.kind === "sql" ? view.events : undefined;
    default:
      return unreachable(view);
  }
}

/** A feature chosen by a service or a `--features` list. */
export interface FeatureRef {
  view: string;
  feature: string;
}

export interface FeatureService extends Meta {
  /** References as written, e.g. `customer_profile:*`. */
  refs: string[];
  /** The references resolved to single features, in order. */
  features: FeatureRef[];
}

/** A validated project: the single input of compilation. */
export interface Registry {
  project: { name: string; dir: string };
  entities: Map<string, Entity>;
  sources: Map<string, Source>;
  views: Map<string, FeatureView>;
  services: Map<string, FeatureService>;
  /** SQL views in an order where every view comes after the views it refs. */
  sqlViewOrder: string[];
  /**
   * The columns of each file source's data file, read once when the project was loaded with a
   * reader (DuckDB's sniffer); a source whose file was not there (or not read) is missing.
   */
  dataFiles: Map<string, DataFileColumn[]>;
}

/**
 * Marks the end of an exhaustive `switch` over a kind (view kinds, source kinds): adding a kind
 * without handling it there is a compile error; reaching it at run time is a bug.
 */
export function unreachable(x: never): never {
  throw new Error(`unexpected kind: ${JSON.stringify(x)}`);
}

/**
 * The source whose rows are a view's rows: a plain view's source, an aggregation view's events
 * source; undefined for SQL views and aggregation views over SQL (pushes never update those).
 */
export function rowSourceOf(view: FeatureView): string | undefined {
  switch (view.kind) {
    case "plain":
      return view.source;
    case "sql":
      return undefined;
    case "aggregation":
      return view.events.kind === "source" ? view.events.source : undefined;
    default:
      return unreachable(view);
  }
}
