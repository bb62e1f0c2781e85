import type { Dialect } from "../dialects/dialect.js";
import type { FeatureView } from "../registry/types.js";
import type { AggregationShape, TrainingShape } from "../dialects/training-context.js";
import { indexOnly } from "./pit-index.js";

/**
 * How the training query finds, for each entity row, a view's row (docs/training.md):
 *
 * - `asof`: deduplicate the view on (keys, timestamp) with the tie-break, then one
 *   `ASOF LEFT JOIN`: a sort-merge join, O(n log n). DuckDB.
 * - `asof-unique`: the ASOF join without the deduplication, when a PRIMARY KEY, UNIQUE constraint
 *   or unique index guarantees one row per (keys, timestamp): there are no ties to break.
 * - `lookup-ties`: one `LEFT JOIN LATERAL` per view that walks the index on (keys, timestamp)
 *   backwards and stops after the rows at the greatest timestamp (`FETCH FIRST 1 ROW WITH TIES`),
 *   read from the index alone when it INCLUDEs the tie-break columns. O(entity rows × log n), but
 *   only with that index: without it every lookup scans the table.
 * - `lookup-max`: the same with a `max(ts)` probe instead of WITH TIES, for views whose index
 *   cannot include the tie-break columns (string features, too many columns).
 * - `lookup-unique`: the lookup as `ORDER BY ts DESC LIMIT 1`, with no tie-break, when a unique
 *   index or constraint guarantees one row per (keys, timestamp) (and the lookup index exists).
 * - `sort-merge`: the view's rows and the entity rows in one order per key, a running count of
 *   view rows, and a hash join back: O(n log n) with no index at all. PostgreSQL without the index.
 */
export type { TrainingShape };

/**
 * What is known about the index on a view's relation. `present`/`absent`: checked in the
 * warehouse at `train` time; `assumed`: not checked (`build` compiles without a warehouse and
 * writes the index advice alongside).
 */
export type IndexState = "present" | "absent" | "assumed";

/** A view's shape and why it was chosen (printed by `train`). */
export interface ShapeChoice {
  shape: TrainingShape;
  /** e.g. `no index on "raw"."stats" (user_id, ts)`. */
  reason: string;
}

/**
 * Picks a view's shape from the dialect's capabilities, the index state and whether the warehouse
 * guarantees (keys, timestamp) unique (`unique`: checked by `train`; never assumed, since a wrong
 * guess would pick a row at random among ties). Never quadratic: a lookup shape is chosen only
 * when the index it walks exists (or is assumed, at build time).
 */
export function chooseShape(d: Dialect, view: FeatureView, relation: string, index: IndexState, unique = false): ShapeChoice {
  const columns = `(${[...view.joinKeys, view.timestamp].join(", ")})`;
  // The asof template deduplicates each view with QUALIFY before its ASOF join, unless unique.
  if (d.supportsAsofJoin && d.supportsQualify) {
    return unique
      ? { shape: "asof-unique", reason: `ASOF join; ${columns} unique in ${relation}` }
      : { shape: "asof", reason: "ASOF join" };
  }
  if (!d.wantsIndexes || index === "absent") return { shape: "sort-merge", reason: `no index on ${relation} ${columns}` };
  if (unique && index === "present") return { shape: "lookup-unique", reason: `index on ${relation} ${columns}, unique` };
  const how = index === "present" ? "index" : "index assumed";
  if (d.supportsWithTies && indexOnly(view)) return { shape: "lookup-ties", reason: `${how} on ${relation} ${columns}` };
  return { shape: "lookup-max", reason: `${how} on ${relation} ${columns}` };
}

/** One line per view for `train` to print, e.g. `shape: sort-merge (no index on "raw"."stats" (user_id, ts))`. */
export function shapeLine(view: string, choice: ShapeChoice): string {
  return `shape of ${view}: ${choice.shape} (${choice.reason})`;
}

// ---------------------------------------------------------------------------------------------
// Aggregation views (docs/aggregations.md, "Training")
// ---------------------------------------------------------------------------------------------

export type { AggregationShape };

/**
 * How many events a view has, over how many keys and how long a time, measured by `train` on the
 * warehouse (aggregationDensitySql) before it picks an aggregation view's shape.
 */
export interface AggregationDensity {
  /** Events with a timestamp and every join key. */
  events: number;
  /** Distinct join-key tuples among them. */
  keys: number;
  /** From the earliest to the latest event, in seconds (0 for one instant). */
  spanSeconds: number;
}

/** An aggregation view's shape, why, and (tiles) the tile width in seconds. */
export interface AggregationShapeChoice {
  shape: AggregationShape;
  reason: string;
  tileSeconds?: number;
}

/**
 * The density from which the tiles shape wins on DuckDB and on PostgreSQL without an index:
 * events per key in the widest window (BENCHMARKS.md, "agg — shapes for windowed aggregations
 * (research)": tiles beat the bucketed join from about 75, lost below it).
 */
export const TILES_MIN_EVENTS_PER_WINDOW = 75;

/** Functions whose window value is a combination of per-tile partial values, exactly. */
const TILEABLE: ReadonlySet<string> = new Set(["count", "sum", "avg", "min", "max"]);

const DAY_SECONDS = 86_400;

/**
 * The tiles' width in seconds: the greatest divisor of every window (their greatest common
 * divisor) that is at most a day, so that each window is a whole number of tiles (daily tiles for
 * 1d/7d/30d; 30-minute tiles for 30m and 1h). A view with only `lifetime` windows gets days.
 */
export function tileSeconds(windows: readonly (number | undefined)[]): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const fixed = windows.filter((w): w is number => w !== undefined);
  const g = fixed.length === 0 ? DAY_SECONDS : fixed.reduce(gcd);
  if (g <= DAY_SECONDS) return g;
  // The greatest divisor of g not above a day (g is a whole number of seconds, at most 365 days).
  for (let k = Math.ceil(g / DAY_SECONDS); k <= g; k++) if (g % k === 0) return g / k;
  return 1;
}

/** Events per key in the widest window (a `lifetime` window: the whole span), from a density. */
export function eventsPerKeyInWindow(density: AggregationDensity, widestSeconds: number | undefined): number {
  if (density.keys === 0) return 0;
  const perKey = density.events / density.keys;
  if (widestSeconds === undefined || density.spanSeconds <= widestSeconds) return perKey;
  return (perKey * widestSeconds) / density.spanSeconds;
}

/**
 * Picks an aggregation view's training shape (docs/aggregations.md, "Training"):
 *
 * - PostgreSQL with the index on (join keys, timestamp) (`index: present`): `aggregate-lateral`,
 *   whatever the density (each window reads its own index range).
 * - `aggregate-tiles` when every feature's function combines over tiles exactly (count, sum, avg,
 *   min, max: not stddev, last or count_distinct), the view has at least
 *   TILES_MIN_EVENTS_PER_WINDOW events per key in its widest window (`density`, measured by
 *   `train`), and at least two events per tile on average (otherwise the tiles are the events).
 * - `aggregate-join` otherwise, and always without a density (`build`, which knows no data and
 *   assumes no index: sound on any data).
 *
 * `force` (tests and benchmarks) takes a shape the view can have regardless of the statistics;
 * where it cannot (tiles of `last`, lateral on a dialect without index ranges) the join is used.
 */
export function chooseAggregationShape(
  d: Dialect,
  features: readonly { aggregation: { function: string; windowSeconds?: number } }[],
  index: IndexState,
  density?: AggregationDensity,
  force?: AggregationShape,
): AggregationShapeChoice {
  const windows = features.map((f) => f.aggregation.windowSeconds);
  const widest = windows.some((w) => w === undefined) ? undefined : Math.max(...(windows as number[]));
  const untileable = [...new Set(features.map((f) => f.aggregation.function).filter((fn) => !TILEABLE.has(fn)))];
  const width = tileSeconds(windows);
  const tiles = (reason: string): AggregationShapeChoice => ({ shape: "aggregate-tiles", reason, tileSeconds: width });
  const join = (reason: string): AggregationShapeChoice => ({ shape: "aggregate-join", reason });
  if (force === "aggregate-lateral")
    return d.wantsIndexes ? { shape: force, reason: "forced" } : join("forced lateral, but the dialect reads no index ranges");
  if (force === "aggregate-tiles")
    return untileable.length === 0 ? tiles("forced") : join(`forced tiles, but tiles cannot compute ${untileable.join(", ")}`);
  if (force === "aggregate-join") return join("forced");
  if (d.wantsIndexes && index === "present") return { shape: "aggregate-lateral", reason: "index on (join keys, timestamp)" };
  if (!density) return join("no density measured");
  const f = eventsPerKeyInWindow(density, widest);
  const perTile = widest === undefined ? f : (f * width) / widest;
  const stat = `${f.toFixed(1)} events per key in the widest window`;
  if (untileable.length > 0) return join(`${stat}; tiles cannot compute ${untileable.join(", ")}`);
  if (f >= TILES_MIN_EVENTS_PER_WINDOW && perTile >= 2) return tiles(`${stat}, tiles of ${width} s`);
  return join(`${stat}${f >= TILES_MIN_EVENTS_PER_WINDOW ? `, under 2 per ${width} s tile` : ""}`);
}

/** The query `train` runs to measure AggregationDensity: one hash aggregate over the events. */
export function aggregationDensitySql(d: Dialect, relation: string, keys: readonly string[], timestamp: string): string {
  const q = (s: string): string => d.quote(s);
  const ts = `CAST(${q(timestamp)} AS TIMESTAMP)`;
  const notNull = [...keys, timestamp].map((k) => `${q(k)} IS NOT NULL`).join(" AND ");
  return [
    `SELECT CAST(count(*) AS BIGINT) AS n_keys, CAST(sum(n) AS BIGINT) AS n_events,`,
    `  ${d.epochMicros("min(lo)")} AS lo_us, ${d.epochMicros("max(hi)")} AS hi_us`,
    `FROM (SELECT count(*) AS n, min(${ts}) AS lo, max(${ts}) AS hi FROM ${relation} WHERE ${notNull} GROUP BY ${keys.map(q).join(", ")}) AS per_key`,
  ].join("\n");
}

/** AggregationDensity from the row of aggregationDensitySql. */
export function aggregationDensity(row: readonly unknown[]): AggregationDensity {
  const [keys, events, lo, hi] = row;
  const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
  return { keys: n(keys), events: n(events), spanSeconds: lo === null || hi === null ? 0 : (n(hi) - n(lo)) / 1e6 };
}
