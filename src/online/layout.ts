/**
 * What the online store holds besides values: for each loaded version of a view, the layout its
 * values are packed with, and the feature services. Written by `load`, read by the client, so the
 * store describes itself and a reader needs nothing from the project. Imports only types.
 */

/** Feature value types (README, "A project"), as the codec packs them. */
export type OnlineType = "int32" | "int64" | "float32" | "float64" | "string" | "bool" | "timestamp";

/** Types a join key can have: the request's key values are checked and written as this type. */
export type OnlineKeyType = "int64" | "string";

/** The functions of aggregation views (docs/aggregations.md). */
export type AggregationFunctionName = "count" | "sum" | "avg" | "min" | "max" | "stddev" | "last" | "count_distinct";

/**
 * How an aggregation view's online state is packed and finished at read time
 * (src/online/aggregation-state.ts, docs/aggregations.md "Online").
 */
export interface AggregationLayout {
  /**
   * The types of an event record's values, in order: the created timestamp (when `created`), then
   * each aggregated value (cast as the function needs: the column's type, float64 for avg and
   * stddev, bool "is not NULL" for a count of a column, string for count_distinct), then one bool
   * per filter.
   */
  eventTypes: OnlineType[];
  created: boolean;
  /** Per feature, in the order of ViewLayout.features. */
  features: {
    function: AggregationFunctionName;
    /** Index of its value among the aggregated values and flags (after the created timestamp); null: a count of events. */
    value: number | null;
    /** Index of its filter's flag, likewise; null: no filter. */
    flag: number | null;
    /** The window in microseconds, as decimal text; null: lifetime. */
    windowMicros: string | null;
  }[];
  /**
   * The state holds every event from this time on (µs, decimal text: the materialization's end
   * minus the longest window); null when it holds every event (a view with a lifetime window). A
   * read whose window starts earlier cannot be answered exactly.
   */
  stateStart: string | null;
  /**
   * The view's opt-in approximation (docs/aggregations.md, "Hop"): the state holds per-hop partial
   * aggregates (tiles, src/online/hop-state.ts) instead of events. Absent: the state holds events.
   */
  hop?: HopLayout;
}

/** What a tile holds for a feature: a count; count and sum; count, mean and M2 (stddev); min; max; last with its tie keys. */
export type HopPartialKind = "count" | "sum" | "moments" | "min" | "max" | "last";

/** How a hop view's tiles are packed (src/online/hop-state.ts). */
export interface HopLayout {
  /** The hop in microseconds, as decimal text. Tiles are the hop's multiples since the UTC epoch. */
  hopMicros: string;
  /**
   * The first tile (µs, decimal text): the hop's multiple at or before the materialization's end
   * minus the longest finite window (the end itself when every window is lifetime). Events before
   * it are in one prefix tile, kept only when a window is lifetime.
   */
  tilesStart: string;
  /** The partial aggregates of a tile, in order, each over a value and a filter flag (indexes as in `features`). */
  partials: { kind: HopPartialKind; value: number | null; flag: number | null }[];
  /** Per feature (in the order of `features`): the index of its partial. */
  featurePartial: number[];
}

/**
 * What a pusher needs to turn a pushed row of the view's source into the view's entry, so the
 * client needs nothing from the project (docs/push.md). Present iff the view's source is a push
 * source (plain views, aggregation views over a source).
 */
export interface PushLayout {
  /** The push source. */
  source: string;
  /** The source column of each join key, in the order of ViewLayout.keys. */
  keys: string[];
  /** The source column of the event time. */
  timestamp: string;
  /** The source column of the created time (ties of the point-in-time order); null: none. */
  created: string | null;
  /**
   * Aggregation view: one per aggregated value of an event record (AggregationLayout.eventTypes
   * after the created timestamp, before the filter flags), the source column and how the value
   * is taken: `value` (converted to the record's type), `notNull` (bool: the column is not NULL,
   * for a count of a column; NULL otherwise), `text` (its text, for count_distinct, written as
   * the warehouse casts a value of the column's kind `textOf` to text: see DistinctTextKind).
   * Plain view: one per feature, in order, each `value`.
   */
  values: { column: string; as: "value" | "notNull" | "text"; textOf?: DistinctTextKind }[];
  /**
   * Aggregation view: one per filter flag, in order (after the values), the filter in portable
   * form (src/online/filter-eval.ts); a NULL answer counts as false. Empty for plain views.
   */
  filters: FilterExpr[];
  /** The view's `lateness:` in microseconds, as decimal text; null: no limit (nothing is late). */
  latenessMicros: string | null;
  /** The source's `dedupe_key:` column; null: none. */
  dedupeKey: string | null;
  /**
   * The kind of the `dedupe_key` column (set by `load` from the warehouse): a pushed id is
   * compared as this kind's text, as the warehouse writes it (`load` records the ids of the loaded
   * events in that text; docs/push.md, "Duplicates"). Absent in layouts written before: the id
   * as JS writes it.
   */
  dedupeTextOf?: DistinctTextKind;
  /**
   * Every column of the push source, as the warehouse describes it at load: a pushed row with any
   * other column is refused (docs/push.md, "Bad rows"). Absent in layouts loaded before it existed
   * (then other columns are ignored).
   */
  columns?: string[];
  /**
   * The source's float (and decimal) columns, as the warehouse describes them at load: NaN and
   * ±Infinity in them are refused. Absent in layouts loaded before it existed.
   */
  floatColumns?: string[];
  /**
   * What each source column takes, as the warehouse describes it at load (column → check): a
   * pushed value the warehouse would refuse or change — a fraction in an integer column, more
   * decimal places than a decimal column keeps, NaN in a float — is a bad row online as offline
   * (docs/push.md, "Bad rows"). Absent in layouts loaded before it existed (then `floatColumns`).
   */
  columnChecks?: Record<string, ColumnCheck>;
}

/**
 * A source column's type as far as a pushed value's check needs it: an integer of `bits`, a float,
 * a decimal of `precision` digits with `scale` after the point (absent: unbounded, PostgreSQL's
 * bare numeric), a boolean or a timestamp without zone. Other types are not checked online.
 */
export type ColumnCheck =
  | { kind: "integer"; bits: 16 | 32 | 64 }
  | { kind: "float" }
  | { kind: "decimal"; precision?: number; scale?: number }
  | { kind: "bool" }
  | { kind: "timestamp" };

/**
 * The kinds of source column whose text (count_distinct's value) a pushed value is written in
 * exactly as both warehouses write it (docs/push.md): integers in decimal, booleans
 * `true`/`false`, text as it is, timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]` (trailing zeros of
 * the fraction dropped). Floats are not among them (DuckDB writes 1.0, PostgreSQL 1): a
 * count_distinct of one is refused for views over a push source (FC018).
 */
export type DistinctTextKind = "integer" | "bool" | "string" | "timestamp";

/** How one version of a view's values is keyed and packed. Immutable once written. */
export interface ViewLayout {
  view: string;
  /** Version id: unique in the project's store, never reused. */
  version: number;
  /** Join-key columns, in order. */
  keys: string[];
  /**
   * The type of each join key, in the order of `keys`: the entity's declared type, else the
   * materialization column's (int64 for integer columns, string for text); null for a key of
   * another type (compared by its text). Absent in layouts written before keys had types: their
   * keys are compared by their text.
   */
  keyTypes?: (OnlineKeyType | null)[];
  /** Features in packing order, with their types. */
  features: [name: string, type: OnlineType][];
  /** The view's ttl in seconds; null = no limit. */
  ttlSeconds: number | null;
  /** An aggregation view's state: its values are events, finished at read time (absent for other views). */
  aggregation?: AggregationLayout;
  /** Present iff the view's source is a push source: how pushed rows become its entries (docs/push.md). */
  push?: PushLayout;
  /** The materialization's end time (UTC, `YYYY-MM-DD HH:MM:SS`). */
  end: string;
  loadedAt: string;
  rows: number;
}

import type { FilterExpr } from "./filter-eval.js";

/** Where the online store is (declared with the project config; a type only, so nothing is loaded). */
export type { OnlineStoreConfig } from "../project/online-config.js";

/** Feature services as the store knows them: service → [view, feature] in order. */
export type ServiceCatalog = Record<string, [view: string, feature: string][]>;

/** Every Redis key of a project starts with `fc:<project>:` (the project name is in every key). */
export const redisKeys = (project: string) => ({
  /** Hash: view → current version. Flipped for all views of a load in one HSET. */
  pointer: `fc:${project}:pointer`,
  /** Hash: `v<version>` → ViewLayout JSON; field `services` → ServiceCatalog JSON. */
  meta: `fc:${project}:meta`,
  /** Counter of version ids. */
  seq: `fc:${project}:seq`,
  /** Hash: version → owner token, for versions a load is writing (cleaned up if that load died). */
  loading: `fc:${project}:loading`,
  /** A load's lock: two loads of one project never interleave. */
  lock: `fc:${project}:lock`,
  /** Prefix of a version's value keys: `fc:<project>:v<version>:<entity key>`. */
  valuePrefix: (version: number): string => `fc:${project}:v${version}:`,
  /**
   * Prefix of a view's pushed-event keys, `fc:<project>:push:<view>:<entity key>`, kept apart
   * from the versions so a load never overwrites them (docs/push.md): an aggregation view's
   * pushed event records, appended; a plain view's latest pushed row.
   */
  pushPrefix: (view: string): string => `fc:${project}:push:${view}:`,
  /** Hash: view → the greatest event time pushed to it (µs, decimal text). */
  newest: `fc:${project}:newest`,
  /** Sorted set per push source with a dedupe_key: member = event id, score = event time (µs). */
  pushedIds: (source: string): string => `fc:${project}:pushed-ids:${source}`,
  /**
   * Prefix of the set per version of an aggregation view over a push source with a dedupe_key:
   * the ids of its loaded events that a push could bring again (`fc:<project>:loaded-ids:<version>`;
   * docs/push.md, "Duplicates"). Removed with the version.
   */
  loadedIdsPrefix: `fc:${project}:loaded-ids:`,
});

/**
 * The SQLite online store's tables. Versions are numbered per file. A load writes its rows under
 * new versions, then flips the pointer and deletes the old versions in one transaction.
 */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS fc_pointer (project TEXT NOT NULL, view TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (project, view));
CREATE TABLE IF NOT EXISTS fc_meta (project TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (project, name));
CREATE TABLE IF NOT EXISTS fc_values (version INTEGER NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (version, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fc_pushed (project TEXT NOT NULL, view TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (project, view, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fc_push_newest (project TEXT NOT NULL, view TEXT NOT NULL, micros INTEGER NOT NULL, PRIMARY KEY (project, view));
CREATE TABLE IF NOT EXISTS fc_pushed_ids (project TEXT NOT NULL, source TEXT NOT NULL, id TEXT NOT NULL, micros INTEGER NOT NULL, PRIMARY KEY (project, source, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fc_loaded_ids (version INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (version, id)) WITHOUT ROWID;
`;

/** The push sources with a dedupe_key that some of `layouts` reads: those whose pushed ids a load keeps. */
export function dedupedSources(layouts: Iterable<ViewLayout>): Set<string> {
  const out = new Set<string>();
  for (const l of layouts) if (l.push?.dedupeKey) out.add(l.push.source);
  return out;
}
