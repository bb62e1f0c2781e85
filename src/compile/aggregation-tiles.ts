/**
 * The tiles shape of an aggregation view's training query (docs/aggregations.md, "Training";
 * TilesContext in src/dialects/training-context.ts; templates/_shared/aggregation-ctes.sql.hbs).
 */
import type { Dialect } from "../dialects/dialect.js";
import type { AggregationViewContext, TilesContext, TrainingNames } from "../dialects/training-context.js";
import type { AggregationFeature, AggregationView } from "../registry/types.js";
import type { NamePicker } from "./internal-names.js";

/**
 * The tiles shape (TilesContext): partial aggregates per (keys, tile) — count, sum, min, max, and
 * for avg its sum and count — added up over the complete tiles of each window, plus the raw events
 * of the window's two edge tiles. Exact: counts and integer sums add integers; min and max of
 * mins and maxes; a float sum adds the same values in another grouping (docs/aggregations.md).
 */
export function tilesContext(
  d: Dialect,
  q: (s: string) => string,
  picker: NamePicker,
  view: AggregationView,
  names: TrainingNames,
  features: readonly AggregationFeature[],
  ev: string,
  context: AggregationViewContext,
  seconds: number,
  valueOf: (f: AggregationFeature) => string | undefined,
  flagOf: (filter: string | undefined) => string | undefined,
  outputs: Map<string, { alias: string; column: string; expr: string }>,
): TilesContext {
  const width = (BigInt(seconds) * 1_000_000n).toString();
  const us = q(picker.pick("__fc_us"));
  const tile = q(picker.pick("__fc_tile"));
  const r = q(picker.pick("r"));
  const tl = q(picker.pick("tl"));
  const g = q(picker.pick("g"));
  const w = q(picker.pick("__fc_w"));
  const tileOf = (micros: string): string => `${micros} - ((${micros} % ${width}) + ${width}) % ${width}`;
  const evUs = d.epochMicros(`CAST(${q(view.timestamp)} AS TIMESTAMP)`);
  context.eventColumns.push(`${evUs} AS ${us}`, `${tileOf(evUs)} AS ${tile}`);
  const rowUs = d.epochMicros(names.entityTs);
  const micros = (s: number): string => (BigInt(s) * 1_000_000n).toString();
  const windows = [...new Set(features.map((f) => f.aggregation.windowSeconds))];
  const fixed = windows.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  const longest = windows.includes(undefined) ? undefined : fixed[fixed.length - 1];
  const tiling: TilesContext = {
    width,
    us,
    tile,
    rows: q(picker.pick(`${view.name}__rows`)),
    rowsSelect: [names.rowId, ...view.joinKeys.map(q), `${rowUs} AS ${us}`, `${tileOf(rowUs)} AS ${tile}`],
    rowAlias: r,
    tileAlias: tl,
    pairAlias: g,
    tiles: q(picker.pick(`${view.name}__tiles`)),
    partials: [],
    tileAgg: q(picker.pick(`${view.name}__tile_sums`)),
    tileAggregates: [],
    lowest: longest !== undefined ? `${r}.${tile} - ${micros(longest)}` : undefined,
    edgeAgg: q(picker.pick(`${view.name}__edge_sums`)),
    edgeAggregates: [],
    w,
    edges: ["0", ...fixed.map(micros)],
  };
  const filtered = (agg: string, when: string[]): string => (when.length > 0 ? `${agg} FILTER (WHERE ${when.join(" AND ")})` : agg);
  // Partials per tile, shared by every window (count_1d and count_30d read the same tile count).
  const partials = new Map<string, string>();
  const partial = (expr: string): string => {
    let alias = partials.get(expr);
    if (!alias) {
      alias = q(picker.pick(`__fc_p${partials.size + 1}`));
      partials.set(expr, alias);
      tiling.partials.push({ expr, alias });
    }
    return `${tl}.${alias}`;
  };
  const tileSums = new Map<string, string>();
  const edgeSums = new Map<string, string>();
  const tAlias = q(picker.pick(`${view.name}__t`));
  const eAlias = q(picker.pick(`${view.name}__e`));
  const minMax = (fn: "min" | "max", value: string, type: AggregationFeature["type"], when: string[]): string =>
    d.aggregate({ function: fn, value, type, when: when.length > 0 ? when.join(" AND ") : "TRUE", lastOrder: [] });
  for (const f of features) {
    const a = f.aggregation;
    const v = valueOf(f);
    const flag = flagOf(a.filter);
    const flagWhen = flag ? [flag] : [];
    // Complete tiles of this window: those after the tile of t - w (the join keeps those before the tile of t).
    const inWindow =
      a.windowSeconds !== undefined && a.windowSeconds !== longest ? [`${tl}.${tile} > ${r}.${tile} - ${micros(a.windowSeconds)}`] : [];
    // Edges: the tile of t (offset 0) and the tile of t - w.
    const atEdge = [a.windowSeconds !== undefined ? `${g}.${w} IN (0, ${micros(a.windowSeconds)})` : `${g}.${w} = 0`, ...flagWhen];
    const tileAt = (p: string, combine: "sum" | "min" | "max"): string => {
      const expr = combine === "sum" ? filtered(`sum(${partial(p)})`, inWindow) : minMax(combine, partial(p), f.type, inWindow);
      let alias = tileSums.get(expr);
      if (!alias) {
        alias = q(picker.pick(`__fc_t${tileSums.size + 1}`));
        tileSums.set(expr, alias);
        tiling.tileAggregates.push({ expr, alias });
      }
      return `${tAlias}.${alias}`;
    };
    const edge = (expr: string): string => {
      let alias = edgeSums.get(expr);
      if (!alias) {
        alias = q(picker.pick(`__fc_e${edgeSums.size + 1}`));
        edgeSums.set(expr, alias);
        tiling.edgeAggregates.push({ expr, alias });
      }
      return `${eAlias}.${alias}`;
    };
    const count = (): [string, string] => [
      tileAt(filtered(`count(${v ?? "*"})`, flagWhen), "sum"),
      edge(filtered(`count(${v ?? "*"})`, atEdge)),
    ];
    const sum = (): [string, string] => [tileAt(filtered(`sum(${v})`, flagWhen), "sum"), edge(filtered(`sum(${v})`, atEdge))];
    const plus = ([x, y]: [string, string]): string => `COALESCE(${x} + ${y}, ${x}, ${y})`;
    const countOf = ([x, y]: [string, string]): string => `COALESCE(${x}, 0) + COALESCE(${y}, 0)`;
    let expr: string;
    switch (a.function) {
      case "count":
        expr = `CAST(${countOf(count())} AS ${d.sqlType("int64")})`;
        break;
      case "sum":
        expr = `CAST(${plus(sum())} AS ${d.sqlType(f.type)})`;
        break;
      case "avg": {
        const dbl = d.sqlType("float64");
        expr = `CAST(${plus(sum())} AS ${dbl}) / CAST(NULLIF(${countOf(count())}, 0) AS ${dbl})`;
        break;
      }
      case "min":
      case "max": {
        const x = tileAt(minMax(a.function, v!, f.type, flagWhen), a.function);
        const y = edge(minMax(a.function, v!, f.type, atEdge));
        // least and greatest skip NULLs (DuckDB and PostgreSQL); strings compare by bytes.
        const [kx, ky] = [d.orderKey(x, f.type), d.orderKey(y, f.type)];
        const both = `${a.function === "min" ? "least" : "greatest"}(${kx}, ${ky})`;
        expr = kx === x ? both : `CAST(${both} AS ${d.sqlType(f.type)})`;
        break;
      }
      default:
        throw new Error(`aggregation view ${view.name}: ${a.function} has no tiles shape`);
    }
    outputs.set(f.name, { alias: tAlias, column: "", expr });
  }
  context.results = [
    { cte: tiling.tileAgg, alias: tAlias },
    { cte: tiling.edgeAgg, alias: eAlias },
  ];
  return tiling;
}
