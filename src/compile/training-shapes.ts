import type { Dialect } from "../dialects/dialect.js";
import type { FeatureView } from "../registry/types.js";
import type { TrainingShape } from "../dialects/training-context.js";
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
