import type { AggregationFeature, AggregationView, FeatureType, Registry } from "../registry/types.js";
import type { AggregationViewContext, TrainingNames } from "../dialects/training-context.js";
import type { NamePicker } from "./internal-names.js";
import type { CompileTarget } from "./relations.js";
import { pushedTable, viewRowsRelation } from "./relations.js";

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
 * The training-query context of one aggregation view (shape `aggregate-join`): see
 * AggregationViewContext. `features` are the features of the view the request asks for; the
 * returned `outputs` map each to its expression in the final SELECT (counts of nothing are 0).
 */
export function aggregationViewContext(
  reg: Registry,
  view: AggregationView,
  t: CompileTarget,
  names: TrainingNames,
  picker: NamePicker,
  features: readonly AggregationFeature[],
  index: number,
  eventsBefore?: string,
  pushedSources: ReadonlySet<string> = new Set(),
): { context: AggregationViewContext; outputs: Map<string, { alias: string; column: string; expr: string }> } {
  const d = t.dialect;
  const q = (s: string): string => d.quote(s);
  const ev = q(picker.pick("ev"));
  const alias = q(picker.pick(`a${index + 1}`));
  const eventColumns: string[] = view.joinKeys.map(q);
  eventColumns.push(`CAST(${q(view.timestamp)} AS TIMESTAMP) AS ${names.ts}`);
  if (view.createdTimestamp) eventColumns.push(`${q(view.createdTimestamp)} AS ${names.created}`);
  // One value column per (column, cast), one flag per filter, shared by the aggregations that use them.
  const values = new Map<string, string>();
  const flags = new Map<string, string>();
  const valueOf = (f: AggregationFeature): string | undefined => {
    const col = f.aggregation.column;
    if (col === undefined) return undefined;
    const type = valueType(f);
    const expr = type ? `CAST(${q(col)} AS ${d.sqlType(type)})` : q(col);
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
    let name = flags.get(filter);
    if (!name) {
      name = q(picker.pick(`__fc_f${flags.size + 1}`));
      flags.set(filter, name);
      // A filter that is NULL leaves the event out, as a false one does.
      eventColumns.push(`COALESCE((${filter}\n), FALSE) AS ${name}`);
    }
    return `${ev}.${name}`;
  };
  const eventTs = `${ev}.${names.ts}`;
  const entityTs = `${names.entityRows}.${names.entityTs}`;
  const aggregates: { expr: string; alias: string }[] = [];
  const outputs = new Map<string, { alias: string; column: string; expr: string }>();
  for (const f of features) {
    const a = f.aggregation;
    const value = valueOf(f);
    const flag = flagOf(a.filter);
    const when = [
      a.windowSeconds !== undefined ? `${eventTs} >= ${entityTs} - ${d.interval(a.windowSeconds)}` : "TRUE",
      ...(flag ? [flag] : []),
    ].join(" AND ");
    const type = a.function === "min" || a.function === "max" || a.function === "last" ? f.type : (valueType(f) ?? f.type);
    const lastOrder = [
      `${eventTs} DESC`,
      ...(view.createdTimestamp ? [`${ev}.${names.created} DESC NULLS LAST`] : []),
      ...(value ? [`${d.orderKey(value, f.type)} DESC`] : []),
    ];
    const column = q(picker.pick(`__fc_${f.name}`));
    aggregates.push({ expr: d.aggregate({ function: a.function, value, type, when, lastOrder }), alias: column });
    const counted = a.function === "count" || a.function === "count_distinct";
    outputs.set(f.name, { alias, column, expr: counted ? `COALESCE(${alias}.${column}, 0)` : `${alias}.${column}` });
  }
  const windows = features.map((f) => f.aggregation.windowSeconds);
  const longest = windows.some((w) => w === undefined) ? undefined : Math.max(...(windows as number[]));
  let buckets: AggregationViewContext["buckets"];
  const b = d.aggregationBuckets;
  if (b && longest !== undefined) {
    const width = BigInt(longest) * 1_000_000n;
    const column = q(picker.pick("__fc_bucket"));
    eventColumns.push(`${b.bucketOf(`CAST(${q(view.timestamp)} AS TIMESTAMP)`, width)} AS ${column}`);
    buckets = {
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
  return {
    context: {
      name: view.name,
      describe: `aggregation view ${view.name}`,
      relation: viewRowsRelation(reg, view, t),
      events: q(picker.pick(`${view.name}__events`)),
      cte: q(picker.pick(`${view.name}__aggregates`)),
      alias,
      eventAlias: ev,
      keys: view.joinKeys.map((k) => ({ entity: q(k), view: q(k) })),
      eventColumns,
      eventTs,
      ts: q(view.timestamp),
      eventsBefore: eventsBefore !== undefined ? eventsKept(reg, view, t, eventsBefore, pushedSources) : undefined,
      longestWindow: longest !== undefined ? d.interval(longest) : undefined,
      buckets,
      aggregates,
    },
    outputs,
  };
}

/**
 * The condition keeping a view's events before `before` (SQL of a TIMESTAMP), plus — for a push
 * source — those pushed at or after it, as `pushed__<source>` records them: what the online store
 * holds after a materialization at `before` and pushes `online_and_offline` since (docs/push.md,
 * "verify"); only for the sources in `pushedSources` (those whose pushed__ table exists). A pushed event is known by its `dedupe_key`, or else by its join keys and timestamp.
 */
function eventsKept(reg: Registry, view: AggregationView, t: CompileTarget, before: string, pushedSources: ReadonlySet<string>): string {
  const d = t.dialect;
  const q = (s: string): string => d.quote(s);
  const ts = (rel?: string): string => `CAST(${rel ? `${rel}.` : ""}${q(view.timestamp)} AS TIMESTAMP)`;
  const older = `${ts()} < ${before}`;
  const src = view.events.kind === "source" ? reg.sources.get(view.events.source) : undefined;
  if (!src?.push || !pushedSources.has(src.name)) return older;
  const rel = viewRowsRelation(reg, view, t);
  const pushed = d.qualified(pushedTable(src, t));
  if (src.dedupeKey !== undefined) {
    const k = q(src.dedupeKey);
    return `(${older} OR ${rel}.${k} IN (SELECT p.${k} FROM ${pushed} AS p WHERE ${ts("p")} >= ${before}))`;
  }
  const same = [...view.joinKeys.map((k) => `p.${q(k)} = ${rel}.${q(k)}`), `p.${q(view.timestamp)} = ${rel}.${q(view.timestamp)}`];
  return `(${older} OR EXISTS (SELECT 1 FROM ${pushed} AS p WHERE ${same.join(" AND ")}))`;
}
