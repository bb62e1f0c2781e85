/** The client's public types: requests, and answers in rows or in columns (docs/semantics.md, "Online"). */

/**
 * docs/semantics.md, "Online": what a read says about each feature. BEFORE_STATE: an aggregation
 * whose window, at the read time, starts before the oldest event the store holds (a read far
 * before the materialization's end), or — a view with `hop:` read before that end — that reads a
 * hop tile holding events at or after the read time; its value is unknown (docs/aggregations.md).
 */
export type FeatureStatus = "PRESENT" | "NULL_VALUE" | "NOT_FOUND" | "OUTSIDE_MAX_AGE" | "BEFORE_STATE";

/** A feature value as read: int64 as bigint (exact), timestamps as ISO 8601 UTC strings with microseconds. */
export type FeatureScalar = number | bigint | string | boolean;

/** One feature of one entity row. The value is null unless the status is PRESENT. */
export interface FeatureValue<T extends FeatureScalar = FeatureScalar> {
  value: T | null;
  /** When the value was true (its row's event timestamp), ISO 8601 UTC; null when NOT_FOUND. */
  eventTimestamp: string | null;
  status: FeatureStatus;
}

/** A read: `service` or `features` (`view:feature`, `view:*`), and the entity rows (join key → value). */
export interface GetOnlineFeaturesRequest {
  service?: string;
  features?: string[];
  entityRows: Record<string, unknown>[];
  /** Evaluate ttl as of this time instead of now (README "Commands", `get --at`). ISO 8601 text or a Date. */
  at?: string | Date;
  /** Name features `view__feature` instead of `feature`. */
  fullNames?: boolean;
}

/** One result row: the entity row as given and its features, in the requested order. */
export interface OnlineRow<F = Record<string, FeatureValue>> {
  entity: Record<string, unknown>;
  features: F;
}

export interface GetOnlineFeaturesResponse<F = Record<string, FeatureValue>> {
  /** Output names, in order. */
  featureNames: string[];
  rows: OnlineRow<F>[];
}

/** One feature's values for every entity row, in row order (Feast's columnar shape). */
export interface FeatureColumn<T extends FeatureScalar = FeatureScalar> {
  /**
   * The values in row order. Numbers (int32, float32, float64 features) come as a Float64Array,
   * ready for a model, with NaN where the status is not PRESENT (a PRESENT value may be NaN too);
   * int64 as a BigInt64Array with 0n there; other types (string, bool, timestamp as ISO text) as
   * an array with null there. The statuses say which values are PRESENT.
   */
  values: ColumnValues<T>;
  /** Each row's status. Features of one view may share this array while none is NULL: do not write to it. */
  statuses: FeatureStatus[];
  /**
   * Each row's event timestamp in microseconds since 1970 UTC (0n where NOT_FOUND; for an
   * aggregation view, its latest event before the read time, or NO_EVENT, -2^63, where there is
   * none); `isoMicros` formats one. The features of one view share this array: do not write to it.
   */
  eventMicros: BigInt64Array;
}

/** How a column holds values of type T: numbers in a Float64Array, int64 in a BigInt64Array, the rest in an array with nulls. */
export type ColumnValues<T extends FeatureScalar> = T extends number
  ? Float64Array
  : T extends bigint
    ? BigInt64Array
    : T extends boolean
      ? (boolean | null)[]
      : (T | null)[];

/** The value type of a row-shaped feature type (`FeatureValue<bigint>` → `bigint`). */
export type ScalarOf<V> = V extends FeatureValue<infer T extends FeatureScalar> ? T : FeatureScalar;

/** A read in columns: for each feature, its values, statuses and event times for all rows. */
export interface GetOnlineFeatureColumnsResponse<F = Record<string, FeatureValue>> {
  /** Output names, in order (the keys of `columns`). */
  featureNames: string[];
  /** The number of entity rows read (the length of every column). */
  rowCount: number;
  columns: { [K in keyof F]: FeatureColumn<ScalarOf<F[K]>> };
}
