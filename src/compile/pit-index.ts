import { featureColumns } from "../registry/types.js";
import type { AggregationFeature, FeatureView } from "../registry/types.js";

/** PostgreSQL's limit on the columns of one index (key and INCLUDE columns together). */
const INDEX_MAX_COLUMNS = 32;

/**
 * The index a view's point-in-time lookups want on PostgreSQL (`run` creates it on the tables it
 * builds; `build` advises it for table sources), as unquoted column names.
 *
 * The key is (join keys, timestamp): the lookup seeks the key and walks the timestamps backwards
 * from the entity's. When every column the tie-break reads has a fixed width, they are added as
 * INCLUDE columns: the lookup then reads the rows at the greatest timestamp from the index alone
 * (an index-only scan) instead of fetching each one from the table, which is what makes it as
 * cheap as a lookup without tie-break. They are INCLUDE, not key columns, so that neither their
 * order, nor NULL placement, nor collation, nor the casts to declared types need to match the
 * index: the query sorts the few rows at that timestamp itself.
 *
 * Views with a string feature get the key only: INCLUDE columns count towards btree's limit of
 * about 2.7 kB per index row, and one long string in a user's table would make inserts fail.
 */
export function pitIndex(view: FeatureView): { key: string[]; include: string[] } {
  const key = [...view.joinKeys, view.timestamp];
  if (!indexOnly(view)) return { key, include: [] };
  if (view.kind === "aggregation") {
    // The lateral shape's range scans (docs/aggregations.md, "Training") read the aggregated
    // columns, and `last` the created timestamp.
    const created = view.createdTimestamp && view.features.some((f) => f.aggregation.function === "last") ? [view.createdTimestamp] : [];
    return { key, include: [...new Set([...created, ...featureColumns(view)])].filter((c) => !key.includes(c)) };
  }
  const include = [...new Set([...(view.createdTimestamp ? [view.createdTimestamp] : []), ...view.features.map((f) => f.name)])];
  return { key, include: include.filter((c) => !key.includes(c)) };
}

/**
 * Whether pitIndex covers every column the view's lookup reads, so the lookup can be an
 * index-only scan. The training query's shape depends on it (templates/postgres/training.sql.hbs).
 */
export function indexOnly(view: FeatureView): boolean {
  if (view.kind === "aggregation") {
    // Its range scans read the aggregated columns: INCLUDE them when each has a known fixed width
    // (a sum, min, max or last of a non-string type; avg and stddev take numbers) and no filter
    // reads other columns (their columns are not known here).
    const fixedType = (f: AggregationFeature): boolean =>
      f.aggregation.function === "avg" ||
      f.aggregation.function === "stddev" ||
      (["sum", "min", "max", "last"].includes(f.aggregation.function) && f.type !== "string");
    // A column counted (count, count_distinct) has a known type only through another feature.
    const fixed = (f: AggregationFeature): boolean =>
      f.aggregation.column === undefined || view.features.some((g) => g.aggregation.column === f.aggregation.column && fixedType(g));
    const columns = new Set([...view.joinKeys, view.timestamp, ...featureColumns(view)]);
    return (
      view.features.every((f) => f.aggregation.filter === undefined && fixed(f)) &&
      columns.size + (view.createdTimestamp ? 1 : 0) <= INDEX_MAX_COLUMNS
    );
  }
  const columns = new Set([...view.joinKeys, view.timestamp, ...(view.createdTimestamp ? [view.createdTimestamp] : [])]);
  for (const f of view.features) columns.add(f.name);
  return columns.size <= INDEX_MAX_COLUMNS && view.features.every((f) => f.type !== "string");
}

/**
 * The indexes for the views reading one table: pitIndex of each, without duplicates, and without a
 * key-only index when another one has the same key (its lookups use that one just as well).
 */
export function pitIndexes(views: readonly FeatureView[]): { key: string[]; include: string[] }[] {
  const all = new Map(views.map((v) => pitIndex(v)).map((ix) => [JSON.stringify(ix), ix]));
  const out = [...all.values()];
  const sameKey = (a: string[], b: string[]): boolean => a.join("\0") === b.join("\0");
  return out.filter((ix) => ix.include.length > 0 || !out.some((o) => o.include.length > 0 && sameKey(o.key, ix.key)));
}

/** An index's columns as SQL: `("k", "ts") INCLUDE ("created", "f")`. */
export function pitIndexColumns(ix: { key: string[]; include: string[] }, quote: (s: string) => string): string {
  const list = (cols: string[]): string => `(${cols.map(quote).join(", ")})`;
  return ix.include.length > 0 ? `${list(ix.key)} INCLUDE ${list(ix.include)}` : list(ix.key);
}
