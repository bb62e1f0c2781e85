import type { AggregationFeature, AggregationView, FeatureType, Registry } from "../registry/types.js";
import { NamePicker } from "./internal-names.js";
import type { CompileTarget } from "./relations.js";
import { viewRowsRelation } from "./relations.js";

/**
 * The columns of an aggregation view's online state (docs/aggregations.md, "Online"): one row per
 * event, with what the client needs to finish every aggregate at any read time. The loader packs
 * them in this order (src/online/aggregation-state.ts).
 */
export interface AggregationStateColumns {
  /** Join keys (unquoted, the view's own names). */
  keys: string[];
  /** The internal column names (unquoted), none equal to a key. */
  ts: string;
  created?: string;
  /**
   * Each aggregated value, then each filter flag: its SQL over the events, its name, its type, and
   * what it is made of (for pushed events, src/commands/push-layout.ts): a column taken as its value,
   * as "is not NULL" or as text; or a filter.
   */
  values: {
    expr: string;
    name: string;
    type: FeatureType;
    from: { column: string; as: "value" | "notNull" | "text" } | { filter: string };
  }[];
  /** Per feature of the view, in order: its function, value index, flag index and window. */
  features: {
    function: AggregationFeature["aggregation"]["function"];
    value: number | null;
    flag: number | null;
    windowSeconds?: number;
  }[];
  /** The longest window in seconds; undefined when one is `lifetime` (the state holds every event). */
  longestWindowSeconds?: number;
  /**
   * Over a push source with a `dedupe_key`: the internal column holding each event's id as text,
   * which `load` records for the events a push could bring again
   * (docs/push.md, "Duplicates"). Not part of the packed state.
   */
  id?: string;
}

/** The `dedupe_key` of an aggregation view's push source, whose ids its state carries; undefined otherwise. */
export function stateDedupeKey(reg: Registry, view: AggregationView): string | undefined {
  if (view.events.kind !== "source") return undefined;
  const src = reg.sources.get(view.events.source);
  return src?.push ? src.dedupeKey : undefined;
}

/** What a feature's value is cast to in the state: the column's type for sum, min, max, last; float64 for avg and stddev. */
function stateValue(
  f: AggregationFeature,
  q: (s: string) => string,
  d: CompileTarget["dialect"],
): { expr: string; type: FeatureType; from: { column: string; as: "value" | "notNull" | "text" } } {
  const column = f.aggregation.column!;
  const col = q(column);
  switch (f.aggregation.function) {
    case "count":
      // Only whether it is NULL counts.
      return { expr: `CASE WHEN ${col} IS NOT NULL THEN TRUE END`, type: "bool", from: { column, as: "notNull" } };
    case "count_distinct":
      // Distinct by value: the value's text in the warehouse's own canonical form (-0.0 as 0.0).
      return { expr: d.distinctText(col), type: "string", from: { column, as: "text" } };
    case "avg":
    case "stddev":
      return { expr: `CAST(${col} AS ${d.sqlType("float64")})`, type: "float64", from: { column, as: "value" } };
    default:
      return { expr: `CAST(${col} AS ${d.sqlType(f.type)})`, type: f.type, from: { column, as: "value" } };
  }
}

/**
 * The state columns of an aggregation view (shared values and flags are stored once); `dedupeKey`
 * (stateDedupeKey) adds the event id column.
 */
export function aggregationStateColumns(view: AggregationView, t: CompileTarget, dedupeKey?: string): AggregationStateColumns {
  const d = t.dialect;
  const q = (s: string): string => d.quote(s);
  const picker = new NamePicker([...view.joinKeys]);
  const ts = picker.pick("__fc_ts");
  const created = view.createdTimestamp ? picker.pick("__fc_created") : undefined;
  const values: AggregationStateColumns["values"] = [];
  const flags: { expr: string; name: string; from: { filter: string } }[] = [];
  const valueIndex = new Map<string, number>();
  const flagIndex = new Map<string, number>();
  const features = view.features.map((f) => {
    let value: number | null = null;
    if (f.aggregation.column !== undefined) {
      const v = stateValue(f, q, d);
      value = valueIndex.get(v.expr) ?? values.length;
      if (value === values.length) {
        valueIndex.set(v.expr, value);
        values.push({ ...v, name: picker.pick(`__fc_v${values.length + 1}`) });
      }
    }
    let flag: number | null = null;
    if (f.aggregation.filter !== undefined) {
      flag = flagIndex.get(f.aggregation.filter) ?? flags.length;
      if (flag === flags.length) {
        flagIndex.set(f.aggregation.filter, flag);
        // A filter that is NULL leaves the event out, as a false one does.
        flags.push({
          expr: `COALESCE((${f.aggregation.filter}\n), FALSE)`,
          name: picker.pick(`__fc_f${flags.length + 1}`),
          from: { filter: f.aggregation.filter },
        });
      }
    }
    return { function: f.aggregation.function, value, flag, windowSeconds: f.aggregation.windowSeconds };
  });
  // Flags come after the values: shift their indexes.
  for (const f of features) if (f.flag !== null) f.flag += values.length;
  const windows = view.features.map((f) => f.aggregation.windowSeconds);
  return {
    keys: view.joinKeys,
    ts,
    created,
    values: [...values, ...flags.map((x) => ({ ...x, type: "bool" as const }))],
    features,
    longestWindowSeconds: windows.some((w) => w === undefined) ? undefined : Math.max(...(windows as number[])),
    ...(dedupeKey !== undefined ? { id: picker.pick("__fc_id") } : {}),
  };
}

/**
 * The query that materializes an aggregation view's state at the end time: its events with keys,
 * in `[end − longest window, end)` (every event before the end when a window is `lifetime`).
 * `previous` (incremental): the state materialized up to the last end, its events before `start`
 * kept where still inside the window, and the events of `[start, end)` read afresh (`start` is the
 * last end, or earlier: the last end − lateness for a view over a push source, a `--start`).
 */
export function compileAggregationState(
  reg: Registry,
  view: AggregationView,
  t: CompileTarget,
  end: string,
  incremental?: { previous: string; start: string },
): string {
  const d = t.dialect;
  const q = (s: string): string => d.quote(s);
  const dedupeKey = stateDedupeKey(reg, view);
  const s = aggregationStateColumns(view, t, dedupeKey);
  const tsExpr = `CAST(${q(view.timestamp)} AS TIMESTAMP)`;
  const columns = [
    ...s.keys.map(q),
    `${tsExpr} AS ${q(s.ts)}`,
    ...(s.created ? [`CAST(${q(view.createdTimestamp!)} AS TIMESTAMP) AS ${q(s.created)}`] : []),
    ...s.values.map((v) => `${v.expr} AS ${q(v.name)}`),
    // (a dedupe_key is an integer, text, boolean or timestamp column, whose text both warehouses write alike)
    ...(s.id !== undefined ? [`CAST(${q(dedupeKey!)} AS ${d.sqlType("string")}) AS ${q(s.id)}`] : []),
  ];
  // A hop view's first tile starts up to a hop before end − longest window: one hop more is kept (load drops what no tile needs).
  const span = s.longestWindowSeconds === undefined ? undefined : s.longestWindowSeconds + (view.hopSeconds ?? 0);
  const lower = span === undefined ? undefined : `${end} - ${d.interval(span)}`;
  const header = [
    `-- fcompile: the online state of aggregation view ${view.name} at the end time: one row per event,`,
    `-- ${lower ? `those of [end - ${windowText(span!)}, end) (its longest window${view.hopSeconds ? " and its hop" : ""})` : "every event before the end (it has a lifetime window)"}, with each aggregated`,
    "-- value and filter flag; `load` packs each entity's events, and a read finishes every aggregate",
    "-- over the events of its window at the read time (docs/aggregations.md).",
  ];
  const fresh = [
    `SELECT`,
    `  ${columns.join(",\n  ")}`,
    `FROM ${viewRowsRelation(reg, view, t)}`,
    `WHERE ${q(view.timestamp)} IS NOT NULL${s.keys.map((k) => `\n  AND ${q(k)} IS NOT NULL`).join("")}`,
    `  AND ${tsExpr} < ${end}${lower ? `\n  AND ${tsExpr} >= ${lower}` : ""}${incremental ? `\n  AND ${tsExpr} >= ${incremental.start}` : ""}`,
  ];
  if (!incremental) return [...header, ...fresh].join("\n");
  return [
    ...header,
    `-- Incremental: the state up to the last end (${incremental.previous}), without the events that`,
    "-- left the window and those at or after the start, and the events since the start (the last",
    "-- end, or for a view over a push source with lateness the last end - lateness: the events of",
    "-- [start, last end) are read again, with any late event pushed offline among them).",
    `SELECT * FROM ${incremental.previous}`,
    `WHERE ${q(s.ts)} < ${incremental.start}${lower ? `\n  AND ${q(s.ts)} >= ${lower}` : ""}`,
    "UNION ALL",
    ...fresh,
  ].join("\n");
}

function windowText(seconds: number): string {
  for (const [unit, n] of [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
  ] as const)
    if (seconds % n === 0) return `${seconds / n}${unit}`;
  return `${seconds}s`;
}
