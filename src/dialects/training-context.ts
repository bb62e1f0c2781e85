/**
 * The context of the training templates (templates/<dialect>/training.sql.hbs): what
 * src/compile/training.ts fills and the templates read. It lives with the dialects, so that
 * Dialect.render can take it typed (TemplateContexts in ./template-contexts.ts).
 */

/**
 * How the training query finds, for each entity row, a view's row; see
 * src/compile/training-shapes.ts and docs/training.md.
 */
export type TrainingShape = "asof" | "asof-unique" | "lookup-ties" | "lookup-max" | "lookup-unique" | "sort-merge" | AggregationShape;

/**
 * How the training query computes an aggregation view's windows (src/compile/training-shapes.ts,
 * chooseAggregationShape; docs/aggregations.md, "Training"): `aggregate-join` joins each entity row
 * to the raw events of its key in the longest window; `aggregate-tiles` adds up pre-aggregated
 * tiles for the complete part of each window and raw events only at its two edges;
 * `aggregate-lateral` aggregates, per entity row and window, one index range of the events.
 */
export type AggregationShape = "aggregate-join" | "aggregate-tiles" | "aggregate-lateral";

/** Names the training query makes up (all quoted), none equal to a name the user wrote. */
export interface TrainingNames {
  /** CTE of the entity rows. */
  entityRows: string;
  /** Alias of the entity relation inside that CTE. */
  entityInput: string;
  /** Entity rows' input position (1, 2, …). */
  rowId: string;
  /** The entity row's timestamp as TIMESTAMP. */
  entityTs: string;
  /** A view row's timestamp as TIMESTAMP. */
  ts: string;
  /** sort-merge: 0 for a view row, 1 for an entity row. */
  kind: string;
  /** sort-merge: how many view rows of the key come up to this row, in timeline order. */
  seq: string;
  /** sort-merge: the alias of the timeline's rows. */
  timeline: string;
  /** sort-merge: the timeline's window. */
  window: string;
  /** sort-merge: the kind of the next row in the timeline (1: an entity row). */
  next: string;
  /** sort-merge: the timestamp of the view row an entity row is matched with. */
  matchTs: string;
  /** sort-merge: the window that hands a view row's values to the entity rows after it. */
  matchWindow: string;
  /** sort-merge: the created timestamp, under a name that cannot clash with a key or feature. */
  created: string;
  /** Table aliases inside a view's lookup (its rows; the max(ts) probe's rows). */
  row: string;
  probe: string;
}

/** A feature column of a view as the template uses it. */
export interface TrainingFeatureContext {
  /** The source column cast to its declared type. */
  expr: string;
  /** Its name inside the view's CTE or lookup: the feature's own, or `name_2`, … where that clashes. */
  alias: string;
  /** How it orders in a tie-break (Dialect.orderKey). */
  orderExpr: string;
}

/** One feature view of the request, for the dialect's training template. */
export interface TrainingViewContext {
  name: string;
  shape: TrainingShape;
  /** Why this shape (printed by `train`). */
  reason: string;
  /** Flags for the template, one per shape (Handlebars has no equality test). */
  asof: boolean;
  asofUnique: boolean;
  lookupTies: boolean;
  lookupMax: boolean;
  lookupUnique: boolean;
  sortMerge: boolean;
  /** asof: the deduplicated rows (asof-unique: the rows); sort-merge: the stage. */
  cte: string;
  /** Alias of the view's result in the final SELECT. */
  alias: string;
  describe: string;
  relation: string;
  keyList: string[];
  /** Join keys: the entity rows' column and the view's column (both quoted). */
  keys: { entity: string; view: string }[];
  ts: string;
  tsExpr: string;
  created?: string;
  /** Every feature of the view (the tie-break reads them all). */
  allFeatures: TrainingFeatureContext[];
  /** The features the request asks for. */
  features: TrainingFeatureContext[];
  partitionBy: string[];
  /** The tie-break ascending (the winner last). */
  orderBy: string[];
  /** The tie-break descending (the winner first). */
  orderByTies: string[];
  /** sort-merge: the tie-break over the timeline's columns, ascending. */
  timelineOrder: string[];
  /** sort-merge: this view's stage (see SortMergeStage). */
  stage?: SortMergeStage;
  ttl?: string;
  /** lookup-ties: the columns the index-only lookup returns (created timestamp and features). */
  tieColumns: string[];
}

/**
 * The sort-merge shape is a chain of stages, one per view that has it: each stage takes every
 * entity row of the one before (its columns and the features found so far) and adds this view's
 * features, so no join with a row estimate the planner cannot know is ever needed.
 */
export interface SortMergeStage {
  /** The relation the stage reads entity rows from: the entity rows' CTE or the previous stage. */
  from: string;
  /** The columns it carries through unchanged: the entity columns, the row id, the entity timestamp, earlier stages' features. */
  carried: string[];
  /** The join keys: a name in the timeline, the entity rows' column, the view's column. */
  keys: { name: string; entity: string; view: string }[];
  /** Every feature of the view under a name in the timeline (the tie-break reads them all). */
  features: { expr: string; name: string }[];
  /** The requested features: their name in the timeline, which is also their name in the stage's output. */
  outputs: string[];
}

/**
 * An aggregation view of the request (docs/aggregations.md, "Training"). Its events are one CTE
 * (keys, timestamp, the cast values and one flag per filter, evaluated over the events' own
 * columns) for the join and tiles shapes; the lateral shape reads the view's relation itself, so
 * that each window's range is an index range.
 */
export interface AggregationViewContext {
  name: string;
  describe: string;
  relation: string;
  shape: AggregationShape;
  /** Why this shape (printed by `train`). */
  reason: string;
  /** Flags for the template, one per shape. */
  join: boolean;
  tiles: boolean;
  lateral: boolean;
  /** CTE of the events (join and tiles shapes). */
  events: string;
  /** CTE of the aggregates, one row per entity row that has events (join shape). */
  cte: string;
  /** Alias of the aggregates in the final SELECT (join shape). */
  alias: string;
  /** Alias of the events inside the aggregates' CTEs and lateral subqueries. */
  eventAlias: string;
  /** Join keys: the entity rows' column and the events' column (both quoted). */
  keys: { entity: string; view: string }[];
  /** The events CTE's select list (expressions with their aliases). */
  eventColumns: string[];
  /** The event's timestamp as TIMESTAMP, qualified by the events' alias, e.g. `"ev"."__fc_ts"`. */
  eventTs: string;
  /** The events' source timestamp column (for `IS NOT NULL`). */
  ts: string;
  /** A condition keeping only the events before a time (TrainingRequest.eventsBefore), if any. */
  eventsBefore?: string;
  /** The longest window as an interval; undefined when one is `lifetime` (no lower bound for the join). */
  longestWindow?: string;
  /**
   * Time buckets for the join (Dialect.aggregationBuckets; not with a lifetime window): the CTE of
   * (entity row, bucket) pairs, its select list, and the bucket column's name (in both CTEs).
   */
  buckets?: { pairs: string; select: string[]; column: string };
  /** The aggregates: SQL over the joined rows and their output alias (join shape). */
  aggregates: { expr: string; alias: string }[];
  /** The tiles shape's CTEs (see TilesContext). */
  tiling?: TilesContext;
  /** The lateral shape: one aggregate subquery per distinct window, joined in the final SELECT. */
  laterals: LateralContext[];
  /** The CTEs the final SELECT LEFT JOINs on the entity row id, with their aliases. */
  results: { cte: string; alias: string }[];
}

/**
 * The tiles shape. Times are whole microseconds since 1970 (Dialect.epochMicros); a tile is the
 * span `[s, s + width)` for `s` a multiple of `width`, which divides every window. For an entity
 * row at `t` in tile `s(t)`, a window `w` is exactly: the events of tile `s(t)` before `t`, the
 * complete tiles strictly between `s(t) - w` and `s(t)`, and the events of tile `s(t) - w` at or
 * after `t - w`.
 */
export interface TilesContext {
  /** The tile width in microseconds (an integer literal). */
  width: string;
  /** Column names: an event's or entity row's time in µs, and its tile's start in µs. */
  us: string;
  tile: string;
  /** CTE of the entity rows with their time and tile. */
  rows: string;
  rowsSelect: string[];
  /** Aliases of the entity rows, of a tile, of an (entity row, edge) pair. */
  rowAlias: string;
  tileAlias: string;
  pairAlias: string;
  /** CTE of the tiles: one row per (keys, tile) with the partial aggregates. */
  tiles: string;
  partials: { expr: string; alias: string }[];
  /** CTE of the complete tiles' aggregates per entity row (lowest: the join's lower bound, µs). */
  tileAgg: string;
  tileAggregates: { expr: string; alias: string }[];
  lowest?: string;
  /** CTE of the edges' aggregates per entity row: `w` column and the edge offsets (`0`: the tile of t). */
  edgeAgg: string;
  edgeAggregates: { expr: string; alias: string }[];
  w: string;
  edges: string[];
}

/** One window's subquery of the lateral shape: aggregates without GROUP BY over one index range. */
export interface LateralContext {
  alias: string;
  /** The window as an interval; undefined for lifetime (no lower bound). */
  window?: string;
  aggregates: { expr: string; alias: string }[];
}

/** The context of templates/<dialect>/training.sql.hbs. */
export interface TrainingTemplateContext {
  title: string;
  entities: string;
  /** The entity rows' timestamp column (quoted). */
  entityTsColumn: string;
  /** The entity rows' columns (quoted), when known. */
  entityColumns?: string[];
  /** The training query numbers the entity rows itself (Dialect.numbersEntityRows = "query"). */
  numberRows: boolean;
  names: TrainingNames;
  views: TrainingViewContext[];
  /** The relation the final SELECT reads entity rows from (as names.entityRows): the last sort-merge stage, or the entity rows' CTE. */
  finalFrom: string;
  /** The aggregation views of the request (after `views` in the query). */
  aggregationViews: AggregationViewContext[];
  /**
   * The output columns: `{alias}.{column} AS {name}` (within the ttl where one is given), or
   * `expr AS name` when `expr` is set (aggregations: a count of nothing is 0).
   */
  outputs: { alias: string; column: string; name: string; ttl?: string; expr?: string }[];
}
