/**
 * In-memory reference implementation of aggregation feature views (windowed aggregations over raw
 * events), for differential tests against DuckDB and PostgreSQL. Used only by tests: it is
 * deliberately simple (a linear scan of all events per entity row and aggregation) so that it is
 * easy to check by reading. Data model as in ./pit-reference.ts: timestamps are `bigint`
 * microseconds UTC, 64-bit integers are `bigint`, float64 values are `number`.
 *
 * Contract (what docs/semantics.md will say about aggregation views; until it does, this header is
 * the contract the tests are written against):
 *
 * - An aggregation has a function, an optional column, a window `w` (microseconds; lifetime = no
 *   lower bound) and an optional filter (a predicate over the event's columns).
 * - **Events considered** at entity timestamp `T` for entity keys `k`: the view's events whose keys
 *   equal `k` (every key column, by value; a NULL key matches nothing), whose timestamp is not
 *   NULL, with `T - w <= e.ts < T` (the lower edge is included; events at `T` itself are excluded,
 *   they may be the very event being predicted; lifetime: `e.ts < T`), and for which the filter is
 *   true (a filter that is false or NULL excludes the event).
 * - An entity row whose timestamp is NULL considers no events: count and count_distinct are 0, the
 *   other functions NULL.
 * - **Functions.** `count` without a column counts events; with a column, non-NULL values.
 *   `count_distinct` counts distinct non-NULL values (floats: -0 equals 0). `sum`, `avg`, `min`,
 *   `max`, `stddev` (POPULATION standard deviation: sqrt(Σ(x - mean)² / n)) skip NULL values.
 *   `last` is the value of the latest event (greatest `e.ts`) whose value is not NULL; at equal
 *   event timestamps the greatest created timestamp wins (NULL created sorts lowest); if still
 *   tied, the greatest value. Over no (non-NULL) values count and count_distinct are 0, the others
 *   NULL.
 * - **Order of values** (min, max, last's ties): numbers numerically, strings by their UTF-8 bytes
 *   (PostgreSQL must compare with `COLLATE "C"`), false < true, timestamps by time.
 * - **Output types** (see {@link aggOutputType}): count, count_distinct → int64 (`bigint`); sum of
 *   int64 → int64 (`bigint`, exact beyond 2^53; outside the int64 range the reference throws: the
 *   arbitraries never produce such sums); sum of float64 → float64; avg, stddev → float64 (of int64
 *   columns too); min, max, last → the column's type. sum/avg/stddev take only int64 and float64
 *   columns.
 * - **Output rows** as for plain views (docs/semantics.md "Training", 4): one row per entity row,
 *   in input order, duplicates kept, entity columns unchanged, then the requested features in the
 *   requested order, named `feature` or `view__feature` with full names.
 */
import { chooseRow, compareValues, keyEquals } from "./pit-reference.js";
import type { FeatureRef, PitResult, RefView, Row, Value } from "./pit-reference.js";

export type AggFunction = "count" | "count_distinct" | "sum" | "avg" | "min" | "max" | "stddev" | "last";

/** Every aggregation function, in a fixed order. */
export const AGG_FUNCTIONS: readonly AggFunction[] = ["count", "count_distinct", "sum", "avg", "min", "max", "stddev", "last"];

/** Type of an aggregated column, and of an aggregation's output. */
export type AggType = "int64" | "float64" | "string" | "bool" | "timestamp";

/** A filter: SQL three-valued logic, `null` for unknown (which excludes the event like `false`). */
export type AggFilter = (row: Row) => boolean | null;

export interface RefAggregation {
  /** Output name of the feature. */
  name: string;
  function: AggFunction;
  /** Aggregated column of the events; `null` only for `count` (count events). */
  column: string | null;
  /** Window length in microseconds; `null` = lifetime (no lower bound). */
  windowMicros: bigint | null;
  /** Event predicate; `null` = every event. */
  filter: AggFilter | null;
  /** Type of `column` (`null` when `column` is null). */
  columnType: AggType | null;
}

export interface RefAggView {
  name: string;
  /** Join-key columns; the same column names are used in the entity rows. */
  joinKeys: string[];
  /** Event-timestamp column of `events`. */
  timestampColumn: string;
  /** Created-timestamp column of `events` (breaks `last` ties), or `null` when there is none. */
  createdColumn: string | null;
  events: Row[];
  /** Aggregations in declared order (the order of `view:*`). */
  aggregations: RefAggregation[];
}

/** Like PitRequest of ./pit-reference.ts, with aggregation views; `views` (plain views) may be mixed in. */
export interface AggRequest {
  aggViews: RefAggView[];
  /** Plain views, answered by ./pit-reference.ts's chooseRow (default none). */
  views?: RefView[];
  /** Entity rows; every row holds the join-key columns of every requested view and the timestamp column. */
  entityRows: Row[];
  /** Column names of the entity rows, in order (default: keys of the first row). */
  entityColumns?: string[];
  /** `view:feature` / `view:*` strings or `{view, feature}` objects, in the requested order. */
  features: Array<string | FeatureRef>;
  /** Entity timestamp column (default `event_timestamp`). */
  timestampColumn?: string;
  /** Name output columns `view__feature` instead of `feature`. */
  fullNames?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/**
 * The output type of `fn` over a column of type `columnType` (`null`: no column), or an Error for
 * a combination the contract does not allow (sum/avg/stddev of a non-numeric column, a function
 * other than count without a column).
 */
export function aggOutputType(fn: AggFunction, columnType: AggType | null): AggType {
  if (columnType === null) {
    if (fn !== "count") throw new Error(`${fn} needs a column`);
    return "int64";
  }
  switch (fn) {
    case "count":
    case "count_distinct":
      return "int64";
    case "sum":
      if (columnType === "int64" || columnType === "float64") return columnType;
      throw new Error(`sum of a ${columnType} column`);
    case "avg":
    case "stddev":
      if (columnType === "int64" || columnType === "float64") return "float64";
      throw new Error(`${fn} of a ${columnType} column`);
    case "min":
    case "max":
    case "last":
      return columnType;
  }
}

// ---------------------------------------------------------------------------------------------
// One aggregation at one time
// ---------------------------------------------------------------------------------------------

function asMicros(v: Value | undefined, what: string): bigint | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  throw new Error(`${what}: expected bigint microseconds, got ${typeof v} ${String(v)}`);
}

/**
 * The events `agg` considers for an entity with keys `keys` (a row holding the view's join-key
 * columns) at time `t` (micros; `null` → none), in the order of `view.events`.
 */
export function windowEvents(view: RefAggView, agg: RefAggregation, keys: Row, t: bigint | null): Row[] {
  if (t === null) return [];
  const lower = agg.windowMicros === null ? null : t - agg.windowMicros;
  return view.events.filter((e) => {
    if (!view.joinKeys.every((k) => keyEquals(keys[k] ?? null, e[k] ?? null))) return false;
    const ts = asMicros(e[view.timestampColumn], `${view.name}.${view.timestampColumn}`);
    if (ts === null || ts >= t || (lower !== null && ts < lower)) return false;
    return agg.filter === null || agg.filter(e) === true;
  });
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function sumOf(agg: RefAggregation, values: Value[]): bigint | number {
  if (agg.columnType === "int64") {
    const s = values.reduce<bigint>((acc, v) => acc + (v as bigint), 0n);
    if (s < INT64_MIN || s > INT64_MAX) throw new Error(`sum ${s} of '${agg.name}' is outside int64 (not covered by the contract)`);
    return s;
  }
  return values.reduce<number>((acc, v) => acc + (v as number), 0);
}

function stddevOf(agg: RefAggregation, values: Value[]): number {
  const n = values.length;
  if (agg.columnType === "int64") {
    // Exact in bigint: n²·variance = n·Σx² − (Σx)².
    const xs = values as bigint[];
    const s = xs.reduce((a, x) => a + x, 0n);
    const s2 = xs.reduce((a, x) => a + x * x, 0n);
    return Math.sqrt(Number(BigInt(n) * s2 - s * s)) / n;
  }
  const xs = values as number[];
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) * (x - mean), 0) / n);
}

/** `last`: greatest (ts, created NULL lowest, value) among events with a non-NULL value. */
function lastOf(view: RefAggView, column: string, events: Row[]): Value {
  let best: Row | undefined;
  for (const e of events) {
    if ((e[column] ?? null) === null) continue;
    if (best === undefined || isLater(view, column, e, best)) best = e;
  }
  return best === undefined ? null : (best[column] ?? null);
}

function isLater(view: RefAggView, column: string, a: Row, b: Row): boolean {
  const ts = view.timestampColumn;
  const keys = view.createdColumn === null ? [ts, column] : [ts, view.createdColumn, column];
  for (const c of keys) {
    const d = compareValues(a[c] ?? null, b[c] ?? null);
    if (d !== 0) return d > 0;
  }
  return false;
}

/** The value of one aggregation for an entity with keys `keys` at time `t` (micros; `null` = NULL timestamp). */
export function aggregateValue(view: RefAggView, agg: RefAggregation, keys: Row, t: bigint | null): Value {
  if (agg.column !== null && agg.columnType === null) throw new Error(`aggregation '${agg.name}' has a column but no columnType`);
  aggOutputType(agg.function, agg.column === null ? null : agg.columnType);
  const events = windowEvents(view, agg, keys, t);
  if (agg.column === null) return BigInt(events.length);
  const column = agg.column;
  const values = events.map((e) => e[column] ?? null).filter((v) => v !== null);
  switch (agg.function) {
    case "count":
      return BigInt(values.length);
    case "count_distinct": {
      const distinct: Value[] = [];
      for (const v of values) if (!distinct.some((d) => compareValues(d, v) === 0)) distinct.push(v);
      return BigInt(distinct.length);
    }
    default:
      if (values.length === 0) return null;
  }
  switch (agg.function) {
    case "sum":
      return sumOf(agg, values);
    case "avg": {
      const s = sumOf(agg, values);
      return Number(s) / values.length;
    }
    case "stddev":
      return stddevOf(agg, values);
    case "min":
      return values.reduce((m, v) => (compareValues(v, m) < 0 ? v : m));
    case "max":
      return values.reduce((m, v) => (compareValues(v, m) > 0 ? v : m));
    case "last":
      return lastOf(view, column, events);
    default:
      throw new Error(`unreachable: ${agg.function}`);
  }
}

/**
 * Every aggregation of `view` for one entity at time `t` (micros; `null` = NULL timestamp):
 * `{[aggregation name]: value}`. `keys` holds the view's join-key columns (other columns are
 * ignored). The online tests compare a read as of `t` with this.
 */
export function aggregateAt(view: RefAggView, keys: Row, t: bigint | null): Row {
  const out: Row = {};
  for (const agg of view.aggregations) out[agg.name] = aggregateValue(view, agg, keys, t);
  return out;
}

// ---------------------------------------------------------------------------------------------
// A whole request
// ---------------------------------------------------------------------------------------------

type Resolved = { ref: FeatureRef; agg: { view: RefAggView; agg: RefAggregation } | null; plain: RefView | null };

function resolve(req: AggRequest): Resolved[] {
  const names = [...req.aggViews, ...(req.views ?? [])].map((v) => v.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`two views named '${dup}'`);
  const aggViews = new Map(req.aggViews.map((v) => [v.name, v]));
  const plainViews = new Map((req.views ?? []).map((v) => [v.name, v]));
  const out: Resolved[] = [];
  for (const raw of req.features) {
    const ref = typeof raw === "string" ? parseRef(raw) : raw;
    const av = aggViews.get(ref.view);
    const pv = plainViews.get(ref.view);
    if (av !== undefined) {
      const aggs = ref.feature === "*" ? av.aggregations : av.aggregations.filter((a) => a.name === ref.feature);
      if (aggs.length === 0) throw new Error(`unknown feature '${ref.view}:${ref.feature}'`);
      for (const a of aggs) out.push({ ref: { view: av.name, feature: a.name }, agg: { view: av, agg: a }, plain: null });
    } else if (pv !== undefined) {
      const fs = ref.feature === "*" ? pv.features : [ref.feature];
      for (const f of fs) {
        if (!pv.features.includes(f)) throw new Error(`unknown feature '${ref.view}:${f}'`);
        out.push({ ref: { view: pv.name, feature: f }, agg: null, plain: pv });
      }
    } else {
      throw new Error(`unknown view '${ref.view}'`);
    }
  }
  return out;
}

function parseRef(ref: string): FeatureRef {
  const i = ref.indexOf(":");
  if (i < 0) throw new Error(`bad feature reference '${ref}'`);
  return { view: ref.slice(0, i), feature: ref.slice(i + 1) };
}

/**
 * The training result of a request over aggregation views (and, mixed in, plain views): one row
 * per entity row, in input order, entity columns then the requested features. Throws on unknown
 * views/features and on output-name clashes.
 */
export function aggregateReference(req: AggRequest): PitResult {
  const tsColumn = req.timestampColumn ?? "event_timestamp";
  const entityColumns = req.entityColumns ?? (req.entityRows.length > 0 ? Object.keys(req.entityRows[0]!) : []);
  const features = resolve(req);
  const outNames = features.map((f) => (req.fullNames ? `${f.ref.view}__${f.ref.feature}` : f.ref.feature));
  const columns = [...entityColumns, ...outNames];
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new Error(`output column name clash: '${c}'`);
    seen.add(c);
  }
  const rows = req.entityRows.map((entity) => {
    const t = asMicros(entity[tsColumn], `entity.${tsColumn}`);
    const out: Row = {};
    for (const c of entityColumns) out[c] = entity[c] ?? null;
    features.forEach((f, i) => {
      if (f.agg !== null) {
        out[outNames[i]!] = aggregateValue(f.agg.view, f.agg.agg, entity, t);
      } else {
        const row = chooseRow(f.plain!, entity, t);
        out[outNames[i]!] = row === undefined ? null : (row[f.ref.feature] ?? null);
      }
    });
    return out;
  });
  return { columns, rows };
}

/** Output columns of `req` that are compared with a tolerance: the avg and stddev features. */
export function tolerantColumns(req: AggRequest): string[] {
  return resolve(req)
    .filter((f) => f.agg !== null && (f.agg.agg.function === "avg" || f.agg.agg.function === "stddev"))
    .map((f) => (req.fullNames ? `${f.ref.view}__${f.ref.feature}` : f.ref.feature));
}

// ---------------------------------------------------------------------------------------------
// Comparing results
// ---------------------------------------------------------------------------------------------

/** Relative tolerance of avg and stddev. */
export const REL_TOLERANCE = 1e-9;
/** Absolute tolerance of avg and stddev near 0. */
export const ABS_TOLERANCE = 1e-12;

/**
 * Whether an online read (`got`: a status and a value as the client gives them) equals what the
 * reference expects: the same status; then NULL, or the same value and type (-0 equals 0), avg and
 * stddev (`tolerant`) within ABS_TOLERANCE or REL_TOLERANCE.
 */
export function sameOnlineValue(
  got: { status: string; value: unknown },
  want: { status: string; value: Value },
  tolerant: boolean,
): boolean {
  if (got.status !== want.status) return false;
  if (want.value === null) return got.value === null;
  if (typeof want.value === "bigint" && typeof got.value === "string") return false;
  if (tolerant && typeof got.value === "number" && typeof want.value === "number") {
    const d = Math.abs(got.value - want.value);
    return d <= ABS_TOLERANCE || d <= REL_TOLERANCE * Math.max(Math.abs(got.value), Math.abs(want.value));
  }
  return Object.is(got.value, want.value) || (got.value === 0 && want.value === 0);
}

function show(v: Value | undefined): string {
  if (v === undefined) return "(missing)";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}

function sameCell(a: Value | undefined, b: Value | undefined, tolerant: boolean): boolean {
  if (a === undefined || b === undefined) return false;
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  if (typeof a === "number" && typeof b === "number") {
    if (a === b) return true; // -0 === 0
    return tolerant && Math.abs(a - b) <= Math.max(ABS_TOLERANCE, REL_TOLERANCE * Math.max(Math.abs(a), Math.abs(b)));
  }
  return a === b;
}

/**
 * Every difference between two results, as readable lines (empty = same). Columns must be equal
 * and in order; rows are compared in order. Cells compare exactly and by type (a bigint never
 * equals a number; -0 equals 0), except the `tolerant` columns: two numbers within
 * {@link REL_TOLERANCE} relative or {@link ABS_TOLERANCE} absolute.
 */
export function aggregateMismatches(got: PitResult, want: PitResult, tolerant: Iterable<string> = []): string[] {
  const out: string[] = [];
  if (JSON.stringify(got.columns) !== JSON.stringify(want.columns)) {
    out.push(`columns: got ${JSON.stringify(got.columns)}, want ${JSON.stringify(want.columns)}`);
    return out;
  }
  if (got.rows.length !== want.rows.length) out.push(`row count: got ${got.rows.length}, want ${want.rows.length}`);
  const tol = new Set(tolerant);
  const n = Math.min(got.rows.length, want.rows.length);
  for (let i = 0; i < n; i++) {
    for (const c of want.columns) {
      const a = got.rows[i]![c];
      const b = want.rows[i]![c];
      if (!sameCell(a, b, tol.has(c))) out.push(`row ${i} column ${c}: got ${show(a)}, want ${show(b)}`);
    }
  }
  return out;
}

/** Throws an Error listing every mismatch (at most 50 lines) when `got` differs from `want`; see {@link aggregateMismatches}. */
export function expectSameAggregates(got: PitResult, want: PitResult, tolerant: Iterable<string> = []): void {
  const m = aggregateMismatches(got, want, tolerant);
  if (m.length === 0) return;
  const more = m.length > 50 ? `\n… and ${m.length - 50} more` : "";
  throw new Error(`${m.length} mismatch(es) against the reference:\n${m.slice(0, 50).join("\n")}${more}`);
}

// ---------------------------------------------------------------------------------------------
// The hop approximation (docs/aggregations.md, "Hop")
// ---------------------------------------------------------------------------------------------

/** `x` rounded down to a multiple of `h` (h > 0), negative x too. */
export function floorToHop(x: bigint, h: bigint): bigint {
  const r = x % h;
  return r < 0n ? x - r - h : x - r;
}

/**
 * The value of `agg` at `t` under hop `h` (µs): the same function over the events with
 * `floor_h(t − w) <= ts < t` (lifetime: every event before t) — the window's lower edge rounded
 * down to a multiple of the hop, so it covers between w and w + h. Written as the exact definition
 * over the widened window `t − floor_h(t − w)`, deliberately: no tiles here.
 */
export function hopAggregateValue(view: RefAggView, agg: RefAggregation, keys: Row, t: bigint | null, hopMicros: bigint): Value {
  if (t === null || agg.windowMicros === null) return aggregateValue(view, agg, keys, t);
  return aggregateValue(view, { ...agg, windowMicros: t - floorToHop(t - agg.windowMicros, hopMicros) }, keys, t);
}
