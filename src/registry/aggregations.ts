import { fitTestsToType, readDrift, readFeatureTests } from "./governance.js";
import type { DiagnosticBag, SourceLocation } from "../diagnostics/diagnostic.js";
import type { YamlPath } from "../project/yaml-file.js";
import { parseDuration } from "./durations.js";
import type { DataFileColumn } from "./file-columns.js";
import type { Aggregation, AggregationFeature, AggregationFunction, AggregationView, FeatureType } from "./types.js";

type Obj = Record<string, unknown>;
type Tags = Record<string, string | number | boolean>;

/** The shortest and longest window (docs/aggregations.md): one minute to 365 days, or `lifetime`. */
export const MIN_WINDOW_SECONDS = 60;
export const MAX_WINDOW_SECONDS = 365 * 86400;

/** Functions whose output type is fixed, whatever the column. */
const FIXED_TYPE: Partial<Record<AggregationFunction, FeatureType>> = {
  count: "int64",
  count_distinct: "int64",
  avg: "float64",
  stddev: "float64",
};

const NUMERIC: ReadonlySet<FeatureType> = new Set(["int32", "int64", "float32", "float64"]);

/**
 * The output type of an aggregation over a column of type `column` (docs/aggregations.md,
 * "Types"): count and count_distinct int64; sum int64 over integers and float64 over floats; avg
 * and stddev float64; min, max and last the column's type. Undefined when the function cannot
 * take such a column (a sum of strings).
 */
export function aggregationType(fn: AggregationFunction, column: FeatureType | undefined): FeatureType | undefined {
  const fixed = FIXED_TYPE[fn];
  if (fn === "count" || fn === "count_distinct") return fixed;
  if (column === undefined) return undefined;
  switch (fn) {
    case "sum":
      if (column === "int32" || column === "int64") return "int64";
      if (column === "float32" || column === "float64") return "float64";
      return undefined;
    case "avg":
    case "stddev":
      return NUMERIC.has(column) ? fixed : undefined;
    case "min":
    case "max":
    case "last":
      return column;
    default:
      return fixed;
  }
}

/** The feature type a DuckDB column type reads as; undefined for types no feature has (DECIMAL, LIST, …). */
export function featureTypeOfDuckDbType(duckdbType: string): FeatureType | undefined {
  const t = duckdbType.toUpperCase();
  if (["TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT"].includes(t)) return "int32";
  if (["BIGINT", "UINTEGER"].includes(t)) return "int64";
  if (t === "FLOAT") return "float32";
  if (t === "DOUBLE") return "float64";
  if (t === "VARCHAR") return "string";
  if (t === "BOOLEAN") return "bool";
  if (t.startsWith("TIMESTAMP") || t === "DATE") return "timestamp";
  return undefined;
}

/** The name of an aggregation without `name:`: `<column>_<function>_<window>`, or `count_<window>`. */
export function defaultAggregationName(fn: AggregationFunction, column: string | undefined, window: string): string {
  return column === undefined ? `${fn}_${window}` : `${column}_${fn}_${window}`;
}

/**
 * Reads a view's `aggregations:` list (items the schema already checked the shape of) into
 * features, reporting a bad window, a function that needs a column and has none, a declared type
 * the function cannot give, and `count_distinct`/`count` pairs misused. Types that depend on the
 * column's type are settled later by typeAggregations, once the columns may be known.
 */
export function readAggregations(
  raw: unknown[],
  view: string,
  bag: DiagnosticBag,
  at: (...p: YamlPath) => SourceLocation,
  brokenKey: (index: number, key: string) => boolean = () => false,
): AggregationFeature[] {
  const out: AggregationFeature[] = [];
  raw.forEach((item, i) => {
    if (!item || typeof item !== "object") return;
    const a = item as Obj;
    const fn = a.function as AggregationFunction;
    const column = typeof a.column === "string" ? a.column : undefined;
    const window = typeof a.window === "string" ? a.window : "";
    let ok = true;
    const windowSeconds = window === "lifetime" ? undefined : parseDuration(window);
    if (
      window !== "lifetime" &&
      (windowSeconds === undefined || windowSeconds < MIN_WINDOW_SECONDS || windowSeconds > MAX_WINDOW_SECONDS)
    ) {
      bag.error(
        "FC003",
        `window '${window}' of view '${view}' is out of range: a window runs from 1m to 365d (s m h d w), or is 'lifetime'`,
        at(i, "window"),
      );
      ok = false;
    }
    if (column === undefined && fn !== "count") {
      bag.error(
        "FC004",
        `aggregation '${fn}' in view '${view}' needs 'column' (only count can go without one: it then counts events)`,
        at(i),
      );
      ok = false;
    }
    const declared = typeof a.type === "string" ? (a.type as FeatureType) : undefined;
    const fixed = FIXED_TYPE[fn];
    if (declared && fixed && declared !== fixed) {
      bag.error("FC003", `${fn} gives ${fixed}, not ${declared}; drop 'type' or make it ${fixed}`, at(i, "type"));
      ok = false;
    }
    if (declared && fn === "sum" && declared !== "int64" && declared !== "float64") {
      bag.error("FC003", `sum gives int64 (over integers) or float64 (over floats), not ${declared}`, at(i, "type"));
      ok = false;
    }
    const name = typeof a.name === "string" ? a.name : defaultAggregationName(fn, column, window);
    const aggregation: Aggregation = {
      function: fn,
      functionAt: at(i, "function"),
      ...(column !== undefined ? { column, columnAt: at(i, "column") } : {}),
      window,
      windowAt: at(i, "window"),
      ...(windowSeconds !== undefined && window !== "lifetime" ? { windowSeconds } : {}),
      ...(typeof a.filter === "string" ? { filter: a.filter, filterAt: at(i, "filter") } : {}),
    };
    const fine = (key: string): boolean => !brokenKey(i, key);
    const atA = (...p: YamlPath): SourceLocation => at(i, ...p);
    // (the type of sum, min, max and last is known here only when declared; typeAggregations checks the tests again then)
    const tests = fine("tests") ? readFeatureTests(a.tests, name, view, declared ?? fixed, bag, atA, (j) => !fine(`tests/${j}`)) : [];
    const drift = fine("drift") ? readDrift(a.drift, atA) : undefined;
    if (!ok) return;
    out.push({
      name,
      type: declared ?? fixed ?? ("" as FeatureType),
      description: typeof a.description === "string" && fine("description") ? a.description : undefined,
      owner: typeof a.owner === "string" && fine("owner") ? a.owner : undefined,
      tags: (a.tags && typeof a.tags === "object" && fine("tags") ? a.tags : {}) as Tags,
      tests,
      ...(drift ? { drift } : {}),
      view,
      at: typeof a.name === "string" ? at(i, "name") : at(i),
      aggregation,
    });
  });
  return out;
}

/**
 * Settles the type of every aggregation of a view and checks its columns, where the events'
 * columns are known (`columns`: a file source whose file was read). A column that is not there,
 * a function that cannot take the column's type (a sum of strings), or a declared type that
 * differs from what the function gives over that column is an error; so is a type that cannot be
 * known at all (sum, min, max and last over a column `build` cannot see: give `type:`).
 */
export function typeAggregations(
  view: AggregationView,
  columns: readonly DataFileColumn[] | undefined,
  where: string,
  bag: DiagnosticBag,
): void {
  const byName = new Map((columns ?? []).map((c) => [c.name, c]));
  const names = (columns ?? []).map((c) => c.name).join(", ");
  for (const f of view.features) {
    const a = f.aggregation;
    if (a.column === undefined) continue;
    if (columns) {
      const col = byName.get(a.column);
      if (!col) {
        bag.error("FC017", `column '${a.column}' of ${a.function} in view '${view.name}' is not in ${where} (columns: ${names})`, f.at);
        continue;
      }
      const columnType = featureTypeOfDuckDbType(col.duckdbType);
      const derived = aggregationType(a.function, columnType);
      if (!derived) {
        bag.error(
          "FC003",
          `${a.function} cannot take column '${a.column}' (${col.duckdbType} in ${where}): ${
            a.function === "sum" || a.function === "avg" || a.function === "stddev" ? "it needs a number" : "its type has no feature type"
          }`,
          f.at,
        );
        continue;
      }
      if (f.type && f.type !== derived) {
        bag.error(
          "FC003",
          `${a.function} of '${a.column}' (${col.duckdbType}) gives ${derived}, not ${f.type}; drop 'type' or fix it`,
          f.at,
        );
        continue;
      }
      if (!f.type) {
        // Its tests were read before its type was known: those that do not fit it now are reported and dropped.
        f.tests = fitTestsToType(f.tests, f.name, view.name, derived, bag);
      }
      f.type = derived;
    } else if (!f.type) {
      bag.error(
        "FC004",
        `give 'type' for ${a.function} of '${a.column}' in view '${view.name}': its type is the column's, and build cannot see the column of ${where}`,
        f.at,
      );
    }
  }
}

/**
 * Checks a view's `hop:` (docs/aggregations.md, "Hop") and returns it in seconds, or undefined
 * after reporting why it cannot be used: a hop of zero (FC003, at the hop), a hop longer than the
 * view's shortest finite window (FC003, at the hop: a window would then be rounded by more than
 * its own length), and `count_distinct` (FC003, at that aggregation: its partial state is the set
 * of distinct values, whose size no hop bounds). A `lifetime` window is allowed: its partial state
 * is one aggregate of every event older than the tiles.
 */
export function readHop(
  hop: string,
  view: string,
  features: readonly AggregationFeature[],
  bag: DiagnosticBag,
  at: SourceLocation,
): number | undefined {
  const seconds = parseDuration(hop);
  let ok = true;
  if (seconds === undefined || seconds < 1) {
    bag.error("FC003", `hop '${hop}' of view '${view}' must be a duration of at least 1s (s m h d w)`, at);
    ok = false;
  }
  const finite = features.flatMap((f) => (f.aggregation.windowSeconds === undefined ? [] : [f]));
  const shortest = finite.reduce<AggregationFeature | undefined>(
    (m, f) => (m === undefined || f.aggregation.windowSeconds! < m.aggregation.windowSeconds! ? f : m),
    undefined,
  );
  if (seconds !== undefined && shortest && seconds > shortest.aggregation.windowSeconds!) {
    bag.error(
      "FC003",
      `hop '${hop}' of view '${view}' is longer than its shortest window ('${shortest.name}', ${shortest.aggregation.window}): ` +
        "a hop rounds each window's start down by up to the hop, so it must be at most the shortest window",
      at,
    );
    ok = false;
  }
  for (const f of features)
    if (f.aggregation.function === "count_distinct") {
      bag.error(
        "FC003",
        `count_distinct ('${f.name}') cannot be served with 'hop' in view '${view}': its partial state is the set of distinct values, ` +
          "which no hop bounds; move it to a view without 'hop'",
        f.aggregation.functionAt ?? f.at,
      );
      ok = false;
    }
  return ok ? seconds : undefined;
}
