import type { AggregationFeature, AggregationView, FeatureType, Registry } from "../registry/types.js";
import type { AggregateSpec } from "../dialects/dialect.js";
import type { AggregationViewContext, LateralContext, TrainingNames } from "../dialects/training-context.js";
import { tilesContext } from "./aggregation-tiles.js";
import type { AggregationShapeChoice } from "./training-shapes.js";
import type { NamePicker } from "./internal-names.js";
import type { CompileTarget } from "./relations.js";
import { viewRowsRelation } from "./relations.js";
import { rowsKeptSince } from "./pushed-rows.js";

/** The type an aggregation's value is cast to before it is aggregated. */
function valueType(f: AggregationFeature): FeatureType | undefined {
  switch (f.aggregation.function) {
    case "count":
    case "count_distinct":
      return undefined; // counted as it is
    case "avg":
    case "stddev":
      return "float64";
    default:
      return f.type; // sum: int64 or float64; min, max, last: the column's type
  }
}

/**
 * The training-query context of one aggregation view in the shape `choice` gives
 * (chooseAggregationShape; docs/aggregations.md, "Training"): see AggregationViewContext.
 * `features` are the features of the view the request asks for; the returned `outputs` map each
 * to its expression in the final SELECT (counts of nothing are 0).
 */
export function aggregationViewContext(
  reg: Registry,
  view: AggregationView,
  t: CompileTarget,
  names: TrainingNames,
  picker: NamePicker,
  features: readonly AggregationFeature[],
  index: number,
  eventsBefore: string | undefined,
  choice: AggregationShapeChoice,
  pushedSources: ReadonlySet<string> = new Set(),
): { context: AggregationViewContext; outputs: Map<string, { alias: string; column: string; expr: string }> } {
  const d = t.dialect;
  const q = (s: string): string => d.quote(s);
  const ev = q(picker.pick("ev"));
  const alias = q(picker.pick(`a${index + 1}`));
  const relation = viewRowsRelation(reg, view, t);
  const eventColumns: string[] = view.joinKeys.map(q);
  eventColumns.push(`CAST(${q(view.timestamp)} AS TIMESTAMP) AS ${names.ts}`);
  if (view.createdTimestamp) eventColumns.push(`${q(view.createdTimestamp)} AS ${names.created}`);
  const lateral = choice.shape === "aggregate-lateral";
  // One value column per (column, cast), one flag per filter, shared by the aggregations that use
  // them. The lateral shape reads the relation itself: its values and flags are expressions.
  const values = new Map<string, string>();
  const flags = new Map<string, string>();
  const valueOf = (f: AggregationFeature): string | undefined => {
    const col = f.aggregation.column;
    if (col === undefined) return undefined;
    const type = valueType(f);
    const column = lateral ? `${ev}.${q(col)}` : q(col);
    const expr = type ? `CAST(${column} AS ${d.sqlType(type)})` : column;
    if (lateral) return expr;
    let name = values.get(expr);
    if (!name) {
      name = q(picker.pick(`__fc_v${values.size + 1}`));
      values.set(expr, name);
      eventColumns.push(`${expr} AS ${name}`);
    }
    return `${ev}.${name}`;
  };
  const flagOf = (filter: string | undefined): string | undefined => {
    if (filter === undefined) return undefined;
    // A filter that is NULL leaves the event out, as a false one does.
    const expr = `COALESCE((${filter}\n), FALSE)`;
    if (lateral) return expr;
    let name = flags.get(filter);
    if (!name) {
      name = q(picker.pick(`__fc_f${flags.size + 1}`));
      flags.set(filter, name);
      eventColumns.push(`${expr} AS ${name}`);
    }
    return `${ev}.${name}`;
  };
  const eventTs = lateral ? `CAST(${ev}.${q(view.timestamp)} AS TIMESTAMP)` : `${ev}.${names.ts}`;
  const created = lateral ? (view.createdTimestamp ? `${ev}.${q(view.createdTimestamp)}` : undefined) : `${ev}.${names.created}`;
  const outputs = new Map<string, { alias: string; column: string; expr: string }>();
  const windows = features.map((f) => f.aggregation.windowSeconds);
  const longest = windows.some((w) => w === undefined) ? undefined : Math.max(...(windows as number[]));
  const context: AggregationViewContext = {
    name: view.name,
    describe: `aggregation view ${view.name}`,
    relation,
    shape: choice.shape,
    reason: choice.reason,
    join: choice.shape === "aggregate-join",
    tiles: choice.shape === "aggregate-tiles",
    lateral,
    events: q(picker.pick(`${view.name}__events`)),
    cte: q(picker.pick(`${view.name}__aggregates`)),
    alias,
    eventAlias: ev,
    keys: view.joinKeys.map((k) => ({ entity: q(k), view: q(k) })),
    eventColumns,
    eventTs,
    ts: q(view.timestamp),
    eventsBefore: eventsBefore !== undefined ? rowsKeptSince(reg, view, t, eventsBefore, pushedSources) : undefined,
    longestWindow: longest !== undefined ? d.interval(longest) : undefined,
    buckets: undefined,
    aggregates: [],
    tiling: undefined,
    laterals: [],
    results: [],
  };
  const spec = (f: AggregationFeature, value: string | undefined, when: string): AggregateSpec => {
    const a = f.aggregation;
    const type = a.function === "min" || a.function === "max" || a.function === "last" ? f.type : (valueType(f) ?? f.type);
    const lastOrder = [
      `${eventTs} DESC`,
      ...(view.createdTimestamp ? [`${created} DESC NULLS LAST`] : []),
      ...(value ? [`${d.orderKey(value, f.type)} DESC`] : []),
    ];
    return { function: a.function, value, type, when, lastOrder };
  };
  const counted = (f: AggregationFeature): boolean => f.aggregation.function === "count" || f.aggregation.function === "count_distinct";

  if (choice.shape === "aggregate-lateral") {
    // One subquery per distinct window, in the final SELECT: CROSS JOIN LATERAL of aggregates
    // without GROUP BY, so each returns one row (a count of nothing is 0 there already).
    const byWindow = new Map<number | undefined, LateralContext>();
    for (const f of features) {
      const w = f.aggregation.windowSeconds;
      let l = byWindow.get(w);
      if (!l) {
        l = {
          alias: q(picker.pick(`${view.name}__w${byWindow.size + 1}`)),
          window: w !== undefined ? d.interval(w) : undefined,
          aggregates: [],
        };
        byWindow.set(w, l);
      }
      const column = q(picker.pick(`__fc_${f.name}`));
      l.aggregates.push({ expr: d.aggregate(spec(f, valueOf(f), flagOf(f.aggregation.filter) ?? "TRUE")), alias: column });
      outputs.set(f.name, { alias: l.alias, column, expr: `${l.alias}.${column}` });
    }
    context.laterals = [...byWindow.values()];
    return { context, outputs };
  }

  if (choice.shape === "aggregate-tiles") {
    context.tiling = tilesContext(d, q, picker, view, names, features, ev, context, choice.tileSeconds!, valueOf, flagOf, outputs);
    return { context, outputs };
  }

  // aggregate-join
  const entityTs = `${names.entityRows}.${names.entityTs}`;
  for (const f of features) {
    const a = f.aggregation;
    const flag = flagOf(a.filter);
    // The join keeps only the events of the longest window: its features need no window test.
    const inWindow =
      a.windowSeconds !== undefined && a.windowSeconds !== longest ? [`${eventTs} >= ${entityTs} - ${d.interval(a.windowSeconds)}`] : [];
    const when = [...inWindow, ...(flag ? [flag] : [])].join(" AND ") || "TRUE";
    const column = q(picker.pick(`__fc_${f.name}`));
    context.aggregates.push({ expr: d.aggregate(spec(f, valueOf(f), when)), alias: column });
    outputs.set(f.name, { alias, column, expr: counted(f) ? `COALESCE(${alias}.${column}, 0)` : `${alias}.${column}` });
  }
  const b = d.aggregationBuckets;
  if (b && longest !== undefined) {
    const width = BigInt(Math.round(longest * 1_000_000)); // verify widens a hop view's windows to fractional seconds
    const column = q(picker.pick("__fc_bucket"));
    eventColumns.push(`${b.bucketOf(`CAST(${q(view.timestamp)} AS TIMESTAMP)`, width)} AS ${column}`);
    context.buckets = {
      pairs: q(picker.pick(`${view.name}__buckets`)),
      column,
      select: [
        names.rowId,
        ...view.joinKeys.map(q),
        names.entityTs,
        `${b.series(b.bucketOf(`${names.entityTs} - ${d.interval(longest)}`, width), b.bucketOf(names.entityTs, width))} AS ${column}`,
      ],
    };
  }
  context.results = [{ cte: context.cte, alias }];
  return { context, outputs };
}
