/**
 * Compiles a view's profile query (docs/governance.md, "fcompile profile"): over the rows
 * `fcompile test` tests (testedRows: `[fc_start, fc_end)`), one pass computes every feature's
 * count, NULLs, min, max, mean, stddev and quantiles (the deciles among them); a second counts
 * each number in its decile bin; a third, one GROUP BY with a grouping set per feature, counts
 * each feature's values: its most frequent ones and its distinct count (a float's only when it
 * has at most FLOAT_TOP_VALUES_MAX_DISTINCT distinct values by a first estimate, which is
 * otherwise the answer). A float's NaN and ±inf are left out of everything but its count of
 * non-NULL values (they are counted apart, part `nonfinite`). The mean and stddev are computed
 * over the values divided by the largest magnitude (then multiplied back), so that sums of squares
 * of huge values cannot overflow. The result is long: one row per (feature, part, k) with `value` (text),
 * `n` (a count) or `x` (a double), read back by readProfileRows. Quantiles are approximate on
 * DuckDB (approx_quantile), exact on PostgreSQL (percentile_cont); the estimate of a float's
 * distinct count is approx_count_distinct on DuckDB, count(DISTINCT) on PostgreSQL. Pure: no
 * connection.
 */
import type { CompileTarget } from "../../compile/relations.js";
import type { FeatureView, Registry } from "../../registry/types.js";
import { testedRows } from "../test/compile-data-tests.js";
import { FLOAT_TOP_VALUES_MAX_DISTINCT, HISTOGRAM_BINS, PROFILE_QUANTILES, TOP_VALUES, profileKind } from "./profile-file.js";

/** One view's profile query. */
export interface CompiledProfile {
  view: string;
  /** Path under `target/compiled/<dialect>/`: `profile/<view>.sql`. */
  path: string;
  /** One statement, no `;`: rows (feature, part, k, value, n, x). */
  sql: string;
}

/** The quantiles the query computes: the profile's and the histogram's inner edges (the deciles), ascending. */
export const QUERY_QUANTILES: readonly number[] = [
  ...new Set([...PROFILE_QUANTILES, ...Array.from({ length: HISTOGRAM_BINS - 1 }, (_, i) => (i + 1) / HISTOGRAM_BINS)]),
].sort((a, b) => a - b);

/** What differs between the warehouses in a profile. */
interface ProfileFunctions {
  /** The list of quantiles (QUERY_QUANTILES) of a DOUBLE expression; indexed from 1. */
  quantiles(expr: string): string;
  distinct(expr: string): string;
}

const FUNCTIONS: Record<string, ProfileFunctions> = {
  duckdb: {
    quantiles: (e) => `approx_quantile(${e}, [${QUERY_QUANTILES.join(", ")}])`,
    distinct: (e) => `approx_count_distinct(${e})`,
  },
  postgres: {
    quantiles: (e) => `percentile_cont(ARRAY[${QUERY_QUANTILES.join(", ")}]) WITHIN GROUP (ORDER BY ${e})`,
    distinct: (e) => `count(DISTINCT ${e})`,
  },
};

/** The profile queries of the views that have features, in registry order. */
export function compileProfiles(reg: Registry, t: CompileTarget): CompiledProfile[] {
  return [...reg.views.values()].filter((v) => v.features.length > 0).map((v) => compileProfile(reg, v, t));
}

/** The files `build` writes: `profile/<view>.sql` → script. */
export function profileFiles(reg: Registry, t: CompileTarget): Map<string, string> {
  return new Map(compileProfiles(reg, t).map((p) => [p.path, `${p.sql};\n`]));
}

/** The profile query of one view (every feature). Throws for a dialect with no profile functions. */
export function compileProfile(reg: Registry, view: FeatureView, t: CompileTarget): CompiledProfile {
  const d = t.dialect;
  const fn = FUNCTIONS[d.name];
  if (!fn) throw new Error(`no profile functions for dialect ${d.name}`);
  const q = (s: string): string => d.quote(s);
  const text = d.sqlType("string");
  const double = d.sqlType("float64");
  const big = d.sqlType("int64");
  const rows = testedRows(
    reg,
    view,
    t,
    view.features.map((f) => f.name),
  );
  const stats: string[] = ["count(*) AS n"];
  const binCols: string[] = [];
  const binCounts: string[] = [];
  const tops: string[] = [];
  const groupCols: string[] = [];
  const row = (feature: string, part: string, k: number, value: string, n: string, x: string, from = "stats"): string =>
    `SELECT ${d.stringLiteral(feature)}, ${d.stringLiteral(part)}, ${k}, ` +
    `CAST(${value} AS ${text}), CAST(${n} AS ${big}), CAST(${x} AS ${double}) FROM ${from}`;
  // The first row names the columns; the total row count comes with feature ''.
  const out: string[] = [
    `SELECT '' AS feature, 'rows' AS part, 0 AS k, CAST(NULL AS ${text}) AS value, CAST(n AS ${big}) AS n, CAST(NULL AS ${double}) AS x FROM stats`,
  ];
  const exactDistinct = (i: number): string => `(SELECT count(*) FROM groups WHERE g${i} = 0 AND x${i} IS NOT NULL)`;
  const edgeIndex = (k: number): number => QUERY_QUANTILES.indexOf(k / HISTOGRAM_BINS) + 1;
  view.features.forEach((f, i) => {
    const col = q(f.name);
    const kind = profileKind(f.type);
    const float = f.type === "float32" || f.type === "float64";
    // A float's finite values: NaN and ±inf are left out of every statistic but the non-NULL count.
    const finite = (c: string): string => (float ? `CASE WHEN ${finiteCondition(c)} THEN ${c} END` : c);
    const fin = finite(col);
    // In the passes that join the stats, a feature is qualified (a feature may be named like a stats column).
    const tfin = finite(`tested.${col}`);
    const asDouble = `CAST(${fin} AS ${double})`;
    // Distinct values are counted exactly from the value counts (groups); a float's estimate first
    // decides whether it has too many to count (then the estimate is the answer).
    stats.push(`count(${col}) AS c${i}`, ...(float ? [`${fn.distinct(fin)} AS d${i}`, `count(${fin}) AS f${i}`] : []));
    if (kind === "boolean") stats.push(`bool_and(${col}) AS mn${i}`, `bool_or(${col}) AS mx${i}`);
    else stats.push(`min(${fin}) AS mn${i}`, `max(${fin}) AS mx${i}`);
    const name = f.name;
    out.push(
      row(name, "count", 0, "NULL", `c${i}`, "NULL"),
      row(
        name,
        "distinct",
        0,
        "NULL",
        float ? `CASE WHEN d${i} <= ${FLOAT_TOP_VALUES_MAX_DISTINCT} THEN ${exactDistinct(i)} ELSE d${i} END` : exactDistinct(i),
        "NULL",
      ),
      ...(float ? [row(name, "nonfinite", 0, "NULL", `c${i} - f${i}`, "NULL")] : []),
      row(name, "min", 0, `mn${i}`, "NULL", "NULL"),
      row(name, "max", 0, `mx${i}`, "NULL", "NULL"),
    );
    if (kind === "numeric") {
      stats.push(`${fn.quantiles(asDouble)} AS q${i}`);
      // The largest magnitude (1 for none or 0): mean and stddev of the values divided by it cannot overflow.
      const mag = (s: string): string => `greatest(abs(CAST(${s}mn${i} AS ${double})), abs(CAST(${s}mx${i} AS ${double})))`;
      const scale = (s: string): string => `CASE WHEN ${mag(s)} > 0 THEN ${mag(s)} ELSE 1 END`;
      binCols.push(`CAST(${tfin} AS ${double}) / ${scale("s.")} AS z${i}`);
      binCounts.push(`avg(z${i}) AS zm${i}`, `stddev_samp(z${i}) AS zs${i}`);
      out.push(
        row(name, "mean", 0, "NULL", "NULL", `zm${i} * ${scale("")}`, "bins CROSS JOIN stats"),
        row(name, "stddev", 0, "NULL", "NULL", `zs${i} * ${scale("")}`, "bins CROSS JOIN stats"),
      );
      QUERY_QUANTILES.forEach((_, j) => out.push(row(name, "quantile", j, "NULL", "NULL", `q${i}[${j + 1}]`)));
      // The bin of a value: the count of inner edges (deciles) at or below it.
      const whens = Array.from({ length: HISTOGRAM_BINS - 1 }, (_, k) => `WHEN ${tfin} < s.q${i}[${edgeIndex(k + 1)}] THEN ${k}`);
      binCols.push(`CASE WHEN ${tfin} IS NULL THEN NULL ${whens.join(" ")} ELSE ${HISTOGRAM_BINS - 1} END AS b${i}`);
      for (let k = 0; k < HISTOGRAM_BINS; k++) {
        binCounts.push(`count(*) FILTER (WHERE b${i} = ${k}) AS b${i}_${k}`);
        out.push(row(name, "bin", k, "NULL", `b${i}_${k}`, "NULL", "bins"));
      }
    }
    // A float with too many distinct values is grouped as one NULL: no top values, and no big hash table.
    const grouped = float ? `CASE WHEN s.d${i} <= ${FLOAT_TOP_VALUES_MAX_DISTINCT} THEN ${tfin} END` : `tested.${col}`;
    groupCols.push(`${grouped} AS x${i}`);
    tops.push(
      `top${i} AS (\n  SELECT x${i} AS v, n FROM groups WHERE g${i} = 0 AND x${i} IS NOT NULL\n` +
        `  ORDER BY n DESC, ${d.orderKey(`x${i}`, f.type)} LIMIT ${TOP_VALUES}\n)`,
    );
    out.push(row(name, "top", 0, "v", "n", "NULL", `top${i}`));
  });
  const ctes = [`stats AS (\n  SELECT ${stats.join(",\n    ")}\n  FROM tested\n)`];
  if (binCols.length > 0)
    ctes.push(
      `bins AS (\n  SELECT ${binCounts.join(",\n    ")}\n  FROM (SELECT ${binCols.join(",\n      ")}\n    FROM tested CROSS JOIN stats AS s) AS binned\n)`,
    );
  // Every feature's value counts in one pass: one grouping set per feature.
  const xs = view.features.map((_, i) => `x${i}`);
  ctes.push(
    `groups AS (\n  SELECT ${[...xs, ...xs.map((x, i) => `GROUPING(${x}) AS g${i}`)].join(", ")}, count(*) AS n\n` +
      `  FROM (SELECT ${groupCols.join(",\n      ")}\n    FROM tested CROSS JOIN stats AS s) AS grouped\n` +
      `  GROUP BY GROUPING SETS (${xs.map((x) => `(${x})`).join(", ")})\n)`,
    ...tops,
  );
  // The three passes read a plain or SQL view's rows again rather than copy them first (measured
  // faster on DuckDB, bench/profile.mjs); an aggregation's values, a training query, are computed once.
  const plainRows = view.kind !== "aggregation";
  const header =
    `-- fcompile profile: ${view.name} (docs/governance.md, "fcompile profile")\n` +
    `-- Returns one row per (feature, part, k): part count|distinct|min|max|mean|stddev|quantile|bin|top; profiled rows: ` +
    `the rows fcompile test tests, with event time in [fc_start, fc_end).`;
  return {
    view: view.name,
    path: `profile/${view.name}.sql`,
    sql: `${header}\n${plainRows ? rows.tested.replace(/^WITH tested AS \(/, "WITH tested AS NOT MATERIALIZED (") : rows.tested},\n${ctes.join(",\n")}\n${out.join("\nUNION ALL\n")}`,
  };
}

/**
 * The SQL condition that a float is finite (not NaN, +inf or -inf), the same on every warehouse:
 * x − x is 0 for a finite x and NaN otherwise (NaN = 0 is false on DuckDB and PostgreSQL alike).
 */
export function finiteCondition(expr: string): string {
  return `${expr} - ${expr} = 0`;
}
