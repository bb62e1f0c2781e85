/**
 * fast-check arbitraries for random aggregation-view cases (event tables, aggregations, entity
 * rows, a feature request), for differential tests of DuckDB and PostgreSQL against the reference
 * in ./agg-reference.ts.
 *
 * What the cases are built to hit:
 * - Event timestamps come from a small per-view pool of points on a coarse grid (days, hours,
 *   minutes after T0), so ties on (keys, ts) are frequent; some are NULL. Created timestamps have
 *   ties and NULLs. Copies of earlier events make exact (keys, ts[, created]) ties.
 * - Entity timestamps are mostly an event's timestamp `e.ts` (upper edge: excluded) or
 *   `e.ts + w` for a window `w` of the case (lower edge: included), sometimes ±1µs, sometimes a
 *   random grid point, rarely NULL.
 * - Exactness: float64 values are multiples of 1/4 in [-1000, 1000], so every sum is exact in
 *   any order and engines must agree exactly on sum/min/max; int64 values of the `big` column
 *   reach ±2^57 (sums beyond 2^53, but never outside int64: at most {@link MAX_EVENTS} events);
 *   avg and stddev are never taken of `big` (engines compute them in double precision, which
 *   cannot be compared with a relative tolerance at that magnitude).
 * - Filters come from a fixed catalogue of SQL predicates that mean the same in DuckDB and
 *   PostgreSQL, each with a JS evaluator in SQL three-valued logic.
 */
import fc from "fast-check";
import type { Arbitrary } from "fast-check";
import { HOUR, T0, keyArb } from "./arbitraries.js";
import type { ColumnSpec, GenEntity, KeyType } from "./arbitraries.js";
import { durationMicros, micros } from "./pit-reference.js";
import type { Row, Value } from "./pit-reference.js";
import type { AggFilter, AggFunction, AggRequest, AggType, RefAggView } from "./agg-reference.js";

// ---------------------------------------------------------------------------------------------
// Windows and names
// ---------------------------------------------------------------------------------------------

/** Window texts as YAML writes them. */
export type WindowText = "1m" | "1h" | "2h" | "1d" | "7d" | "lifetime";
export const WINDOWS: readonly WindowText[] = ["1m", "1h", "2h", "1d", "7d", "lifetime"];

/** Micros of a window text (`lifetime` → `null`; otherwise a duration like `30d`, see pit-reference's durationMicros). */
export function windowMicros(text: string): bigint | null {
  return text === "lifetime" ? null : durationMicros(text);
}

/**
 * The name of an aggregation written without `name:`: `<column>_<function>_<window>`, or
 * `count_<window>` for count without a column; the window as written in YAML (`7d`, `lifetime`).
 */
export function defaultAggregationName(fn: AggFunction, column: string | null, windowText: string): string {
  return column === null ? `${fn}_${windowText}` : `${column}_${fn}_${windowText}`;
}

// ---------------------------------------------------------------------------------------------
// Event columns and values
// ---------------------------------------------------------------------------------------------

/** At most this many events per view (so that no int64 sum of `big` leaves int64). */
export const MAX_EVENTS = 30;
/** |big| <= 2^57: MAX_EVENTS · 2^57 < 2^63. */
export const BIG_LIMIT = 2n ** 57n;

export const MINUTE = 60_000_000n;
export const DAY = 24n * HOUR;

/** SQL type text that DuckDB and PostgreSQL both accept, per column type. */
export function aggSqlType(t: AggType | KeyType): string {
  switch (t) {
    case "int64":
      return "BIGINT";
    case "float64":
      return "DOUBLE PRECISION";
    case "string":
      return "TEXT";
    case "bool":
      return "BOOLEAN";
    case "timestamp":
      return "TIMESTAMP";
  }
}

/** A column of an event table or of the entity table with its SQL type. */
export interface GenColumn {
  name: string;
  type: AggType | KeyType;
  sqlType: string;
}

/** Value columns an event table may have: qty/big/amount/status always, seen_at/flag with `extraTypes`. */
export const VALUE_COLUMNS: ReadonlyArray<{ name: string; type: AggType }> = [
  { name: "qty", type: "int64" },
  { name: "big", type: "int64" },
  { name: "amount", type: "float64" },
  { name: "status", type: "string" },
  { name: "seen_at", type: "timestamp" },
  { name: "flag", type: "bool" },
];

const nullable = <T>(arb: Arbitrary<T>, nullWeight = 1, valueWeight = 5): Arbitrary<T | null> =>
  fc.oneof({ weight: valueWeight, arbitrary: arb }, { weight: nullWeight, arbitrary: fc.constant(null) });

const TWO53 = 2n ** 53n;

/** A grid point: T0 + d days + h hours + m minutes. */
export const aggGridTs = (d: number, h = 0, m = 0): bigint => T0 + BigInt(d) * DAY + BigInt(h) * HOUR + BigInt(m) * MINUTE;

const gridPointArb: Arbitrary<bigint> = fc
  .tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1 }))
  .map(([d, h, m]) => aggGridTs(d, h, m));

function eventValueArb(column: string): Arbitrary<Value> {
  switch (column) {
    case "qty":
      return nullable(fc.integer({ min: -3, max: 12 }).map(BigInt));
    case "big":
      return nullable(
        fc.oneof(
          { weight: 2, arbitrary: fc.constantFrom(0n, 1n, -1n, 2n, 7n) },
          {
            weight: 2,
            arbitrary: fc.constantFrom(
              TWO53,
              TWO53 + 1n,
              -(TWO53 + 1n),
              TWO53 - 1n,
              2n ** 55n + 3n,
              -(2n ** 56n) + 1n,
              3n * 2n ** 54n + 1n,
            ),
          },
          { weight: 2, arbitrary: fc.bigInt({ min: -BIG_LIMIT, max: BIG_LIMIT }) },
        ),
      );
    case "amount":
      return nullable(
        fc.oneof(
          { weight: 2, arbitrary: fc.constantFrom(0, 0.25, -0.5, 1, 2.5, 5, 5.25, 1000, -1000) },
          { weight: 3, arbitrary: fc.integer({ min: -4000, max: 4000 }).map((k) => k / 4) },
        ),
      );
    case "status":
      return nullable(fc.constantFrom("paid", "paid", "a", "b", "refunded", "A", "é", "", "paid "));
    case "seen_at":
      return nullable(gridPointArb);
    case "flag":
      return nullable(fc.boolean());
    default:
      throw new Error(`no values for column '${column}'`);
  }
}

// ---------------------------------------------------------------------------------------------
// Filters: SQL text + the same predicate in SQL three-valued logic
// ---------------------------------------------------------------------------------------------

/** A filter of the catalogue: SQL text for the YAML, the columns it reads, and its JS evaluator. */
export interface GenFilter {
  sql: string;
  columns: string[];
  evaluate: AggFilter;
}

type B3 = boolean | null;
const and3 = (a: B3, b: B3): B3 => (a === false || b === false ? false : a === null || b === null ? null : true);
const or3 = (a: B3, b: B3): B3 => (a === true || b === true ? true : a === null || b === null ? null : false);
const not3 = (a: B3): B3 => (a === null ? null : !a);
/** `col <op> literal` in 3VL: NULL when the column is NULL. */
const test = <T>(v: Value | undefined, f: (x: T) => boolean): B3 => (v === null || v === undefined ? null : f(v as T));

const SEEN_CUTOFF = micros("2024-01-03 00:00:00");

/** The filter catalogue. Every predicate means the same in DuckDB and PostgreSQL. */
export const FILTERS: readonly GenFilter[] = [
  { sql: "amount > 0", columns: ["amount"], evaluate: (r) => test<number>(r.amount, (x) => x > 0) },
  {
    sql: "amount IS NOT NULL AND amount <= 5",
    columns: ["amount"],
    evaluate: (r) =>
      and3(
        (r.amount ?? null) !== null,
        test<number>(r.amount, (x) => x <= 5),
      ),
  },
  { sql: "status = 'paid'", columns: ["status"], evaluate: (r) => test<string>(r.status, (x) => x === "paid") },
  { sql: "status IN ('a', 'b')", columns: ["status"], evaluate: (r) => test<string>(r.status, (x) => x === "a" || x === "b") },
  { sql: "NOT (qty < 2)", columns: ["qty"], evaluate: (r) => not3(test<bigint>(r.qty, (x) => x < 2n)) },
  {
    sql: "qty >= 3 OR status = 'paid'",
    columns: ["qty", "status"],
    evaluate: (r) =>
      or3(
        test<bigint>(r.qty, (x) => x >= 3n),
        test<string>(r.status, (x) => x === "paid"),
      ),
  },
  { sql: "big < 0", columns: ["big"], evaluate: (r) => test<bigint>(r.big, (x) => x < 0n) },
  {
    sql: "seen_at >= TIMESTAMP '2024-01-03 00:00:00'",
    columns: ["seen_at"],
    evaluate: (r) => test<bigint>(r.seen_at, (x) => x >= SEEN_CUTOFF),
  },
  { sql: "flag", columns: ["flag"], evaluate: (r) => test<boolean>(r.flag, (x) => x) },
  { sql: "NOT flag", columns: ["flag"], evaluate: (r) => not3(test<boolean>(r.flag, (x) => x)) },
];

// ---------------------------------------------------------------------------------------------
// The case
// ---------------------------------------------------------------------------------------------

export interface GenAggregation {
  /** Output name: `yamlName`, or the default name when it is omitted. */
  name: string;
  /** `name:` as written in YAML; `null` = omitted (then `name` is {@link defaultAggregationName}). */
  yamlName: string | null;
  function: AggFunction;
  /** Aggregated column, `null` for count of events. */
  column: string | null;
  columnType: AggType | null;
  /** SQL type of `column` (see {@link aggSqlType}), `null` without a column. */
  columnSqlType: string | null;
  /** Window as written in YAML. */
  window: WindowText;
  /** `null` = lifetime. */
  windowMicros: bigint | null;
  /** A predicate from {@link FILTERS}, or `null`. Its `sql` is the YAML `filter:`. */
  filter: GenFilter | null;
}

export interface GenAggView {
  name: string;
  /** Index into GenAggCase.entities. */
  entity: number;
  sourceName: string;
  /** Warehouse table, schema-qualified: `raw.<sourceName>`. */
  table: string;
  timestampColumn: string;
  createdColumn: string | null;
  /** Every column of the event table in order: join keys, timestamp, created, value columns. */
  columns: GenColumn[];
  events: Row[];
  aggregations: GenAggregation[];
  /** `hop:` as written in YAML (docs/aggregations.md, "Hop"); absent: exact. */
  hop?: string;
}

export interface GenAggCase {
  entities: GenEntity[];
  views: GenAggView[];
  /** Entity columns, in table order (keys of every entity, the timestamp column, `label`). */
  entityColumns: ColumnSpec[];
  entityRows: Row[];
  /** Entity timestamp column (`event_timestamp` or `t`). */
  timestampColumn: string;
  /** Requested features, `view:feature` or `view:*`. */
  features: string[];
  fullNames: boolean;
}

export interface AggCaseOptions {
  /** Allow timestamp (`seen_at`) and bool (`flag`) value columns (default true). */
  extraTypes?: boolean;
  /** Number of aggregation views, inclusive (default 1..2). */
  views?: { min: number; max: number };
}

function columnsFor(fn: AggFunction, valueColumns: Array<{ name: string; type: AggType }>): Array<string | null> {
  const names = valueColumns.map((c) => c.name);
  switch (fn) {
    case "count":
      return [null, null, ...names];
    case "sum": // `big` twice: sums beyond 2^53
      return names.filter((n) => n === "qty" || n === "big" || n === "amount").flatMap((n) => (n === "big" ? [n, n] : [n]));
    case "avg":
    case "stddev":
      // Not of `big`: avg and stddev add the values as doubles (docs/aggregations.md), so beyond
      // 2^53 each engine's order of addition rounds differently, and a mean near 0 of values near
      // ±2^57 has no relative tolerance to compare with.
      return names.filter((n) => n === "qty" || n === "amount");
    default:
      return names;
  }
}

const FUNCTIONS: AggFunction[] = ["count", "count_distinct", "sum", "avg", "min", "max", "stddev", "last"];

interface AggDraft {
  function: AggFunction;
  column: string | null;
  window: WindowText;
  filter: GenFilter | null;
  explicit: boolean;
}

function aggDraftArb(valueColumns: Array<{ name: string; type: AggType }>): Arbitrary<AggDraft> {
  const names = new Set(valueColumns.map((c) => c.name));
  const filters = FILTERS.filter((f) => f.columns.every((c) => names.has(c)));
  return fc.constantFrom(...FUNCTIONS).chain((fn) =>
    fc.record({
      function: fc.constant(fn),
      column: fc.constantFrom(...columnsFor(fn, valueColumns)),
      window: fc.constantFrom(...WINDOWS),
      filter: nullable(fc.constantFrom(...filters), 3, 2),
      explicit: fc.boolean(),
    }),
  );
}

interface ViewShape {
  entity: number;
  timestampColumn: string;
  createdColumn: string | null;
  valueColumns: Array<{ name: string; type: AggType }>;
}

function viewShapeArb(numEntities: number, extraTypes: boolean): Arbitrary<ViewShape> {
  return fc.record({
    entity: fc.nat({ max: numEntities - 1 }),
    timestampColumn: fc.constantFrom("ts", "event_timestamp", "occurred_at"),
    createdColumn: fc.constantFrom<string | null>(null, "created", "created_at"),
    valueColumns: extraTypes
      ? fc.subarray(VALUE_COLUMNS.slice(4), {}).map((extra) => [...VALUE_COLUMNS.slice(0, 4), ...extra])
      : fc.constant(VALUE_COLUMNS.slice(0, 4)),
  });
}

/** Key tuples that concatenate alike: (1,23)/(12,3), ('a','bc')/('ab','c'). */
function trapKeys(entity: GenEntity): Value[][] {
  const types = entity.keys.map((k) => k.type).join(",");
  if (types === "int64,int64")
    return [
      [1n, 23n],
      [12n, 3n],
    ];
  if (types === "string,string")
    return [
      ["a", "bc"],
      ["ab", "c"],
    ];
  return [];
}

/**
 * Key tuples of one view's events: a small pool (so that an entity has several events: sums,
 * ties, duplicates), sometimes with a concatenation trap pair.
 */
function keyPoolArb(entity: GenEntity): Arbitrary<Value[][]> {
  const tupleArb = fc.tuple(...entity.keys.map((k) => keyArb(k.type)));
  return fc
    .tuple(fc.array(tupleArb, { minLength: 1, maxLength: 3 }), fc.boolean())
    .map(([pool, trap]) => (trap ? [...pool, ...trapKeys(entity)] : pool));
}

/** Events of one view: keys mostly from a small pool (rarely NULL), ts from a small pool (ties; rarely NULL), created (ties, NULLs), values. */
function eventsArb(entity: GenEntity, shape: ViewShape): Arbitrary<Row[]> {
  return fc.tuple(fc.array(gridPointArb, { minLength: 1, maxLength: 4 }), keyPoolArb(entity)).chain(([pool, keyPool]) => {
    const keysArb = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...keyPool) },
      { weight: 2, arbitrary: fc.tuple(...entity.keys.map((k) => nullable(keyArb(k.type), 1, 8))) },
    );
    const tsArb = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...pool) },
      { weight: 4, arbitrary: gridPointArb },
      { weight: 1, arbitrary: fc.constant(null) },
    );
    const eventArb: Arbitrary<Row> = fc
      .record({
        keys: keysArb,
        ts: tsArb,
        created: nullable(fc.integer({ min: 0, max: 3 }), 1, 3),
        values: fc.tuple(...shape.valueColumns.map((c) => eventValueArb(c.name))),
      })
      .map(({ keys, ts, created, values }) => {
        const row: Row = {};
        entity.keys.forEach((k, i) => (row[k.name] = keys[i] ?? null));
        row[shape.timestampColumn] = ts;
        if (shape.createdColumn !== null) row[shape.createdColumn] = created === null ? null : T0 + BigInt(created) * HOUR;
        shape.valueColumns.forEach((c, i) => (row[c.name] = values[i] ?? null));
        return row;
      });
    return fc
      .tuple(fc.array(eventArb, { maxLength: MAX_EVENTS - 10 }), fc.array(fc.tuple(fc.nat(), eventArb, fc.boolean()), { maxLength: 10 }))
      .map(([rows, copies]) => {
        const out = [...rows];
        if (rows.length > 0) {
          for (const [i, other, sameCreated] of copies) {
            const base = rows[i % rows.length]!;
            const copy: Row = { ...other };
            for (const k of entity.keys) copy[k.name] = base[k.name] ?? null;
            copy[shape.timestampColumn] = base[shape.timestampColumn] ?? null;
            if (shape.createdColumn !== null && sameCreated) copy[shape.createdColumn] = base[shape.createdColumn] ?? null;
            out.splice((i * 7) % (out.length + 1), 0, copy);
          }
        }
        return out;
      });
  });
}

/** Names each draft: the default name, or an explicit one when asked for or when the default would clash. */
function nameAggregations(viewName: string, drafts: AggDraft[], taken: Set<string>, fullNames: boolean): GenAggregation[] {
  const inView = new Set<string>();
  return drafts.map((d, j) => {
    const column = d.column;
    const def = defaultAggregationName(d.function, column, d.window);
    const clash = inView.has(def) || (!fullNames && taken.has(def));
    const yamlName = d.explicit || clash ? (fullNames ? `a${j}` : `${viewName}_a${j}`) : null;
    const name = yamlName ?? def;
    inView.add(name);
    taken.add(name);
    const type = column === null ? null : VALUE_COLUMNS.find((c) => c.name === column)!.type;
    return {
      name,
      yamlName,
      function: d.function,
      column,
      columnType: type,
      columnSqlType: type === null ? null : aggSqlType(type),
      window: d.window,
      windowMicros: windowMicros(d.window),
      filter: d.filter,
    };
  });
}

const labelArb: Arbitrary<Value> = nullable(fc.constantFrom("l0", "l1", "l2"), 1, 4);

/** Entity timestamps: on an event's ts or ts + window (both edges), ±1µs, a random grid point, rarely NULL. */
function entityTsArb(views: GenAggView[]): Arbitrary<bigint | null> {
  const windows = [0n, ...new Set(views.flatMap((v) => v.aggregations.flatMap((a) => (a.windowMicros === null ? [] : [a.windowMicros]))))];
  const eventTs = [...new Set(views.flatMap((v) => v.events.map((e) => e[v.timestampColumn] ?? null)).filter((t) => t !== null))];
  const random = fc
    .tuple(fc.integer({ min: -1, max: 10 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1 }))
    .map(([d, h, m]) => aggGridTs(d, h, m));
  const options: Array<fc.WeightedArbitrary<bigint | null>> = [
    { weight: 3, arbitrary: random },
    { weight: 1, arbitrary: fc.constant(null) },
  ];
  if (eventTs.length > 0) {
    const edge = fc
      .tuple(
        fc.constantFrom(...(eventTs as bigint[])),
        fc.constantFrom(...windows),
        fc.oneof({ weight: 3, arbitrary: fc.constant(0n) }, { weight: 2, arbitrary: fc.constantFrom(1n, -1n) }),
      )
      .map(([ts, w, d]) => ts + w + d);
    options.push({ weight: 10, arbitrary: edge });
  }
  return fc.oneof(...options);
}

function entityRowsArb(entities: GenEntity[], views: GenAggView[], tsColumn: string): Arbitrary<Row[]> {
  const keyCols = entities.flatMap((e) => e.keys);
  const perEntityKeys = entities.map((e, ei) => {
    const seen = views.filter((v) => v.entity === ei).flatMap((v) => v.events.map((r) => e.keys.map((k) => r[k.name] ?? null)));
    const fresh = fc.tuple(...e.keys.map((k) => nullable(keyArb(k.type), 1, 20)));
    return seen.length > 0 ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...seen) }, { weight: 1, arbitrary: fresh }) : fresh;
  });
  const rowArb: Arbitrary<Row> = fc
    .record({ keys: fc.tuple(...perEntityKeys), ts: entityTsArb(views), label: labelArb })
    .map(({ keys, ts, label }) => {
      const row: Row = {};
      let i = 0;
      for (const part of keys) for (const v of part) row[keyCols[i++]!.name] = v;
      row[tsColumn] = ts;
      row.label = label;
      return row;
    });
  return fc.tuple(fc.array(rowArb, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 3 })).map(([rows, dups]) => {
    const out = [...rows];
    for (const d of dups) out.splice((d * 5) % (out.length + 1), 0, { ...rows[d % rows.length]! });
    return out;
  });
}

function featureRefsArb(views: GenAggView[]): Arbitrary<string[]> {
  const perView = views.map((v) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant<string[]>([`${v.name}:*`]) },
      { weight: 1, arbitrary: fc.constant<string[]>([]) },
      {
        weight: 2,
        arbitrary: fc.shuffledSubarray(v.aggregations, { minLength: 1 }).map((as) => as.map((a) => `${v.name}:${a.name}`)),
      },
    ),
  );
  return fc.tuple(...perView).chain((lists) => {
    const all = lists.flat();
    const refs = all.length > 0 ? all : [`${views[0]!.name}:*`];
    return fc.shuffledSubarray(refs, { minLength: refs.length, maxLength: refs.length });
  });
}

const entitiesArb: Arbitrary<GenEntity[]> = fc
  .array(fc.array(fc.constantFrom<KeyType>("int64", "int64", "string"), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 })
  .map((es) => es.map((types, i) => ({ name: `ent${i}`, keys: types.map((type, j) => ({ name: `e${i}_k${j}`, type })) })));

/** A whole random case: entities, one or two aggregation views with their events, entity rows, a feature request. */
export function aggCaseArb(options: AggCaseOptions = {}): Arbitrary<GenAggCase> {
  const extraTypes = options.extraTypes ?? true;
  const numViews = options.views ?? { min: 1, max: 2 };
  return entitiesArb
    .chain((entities) =>
      fc.record({
        entities: fc.constant(entities),
        shapes: fc.array(viewShapeArb(entities.length, extraTypes), { minLength: numViews.min, maxLength: numViews.max }),
        fullNames: fc.boolean(),
        timestampColumn: fc.constantFrom("event_timestamp", "event_timestamp", "event_timestamp", "t"),
      }),
    )
    .chain(({ entities, shapes, fullNames, timestampColumn }) =>
      fc
        .tuple(
          fc.tuple(...shapes.map((s) => eventsArb(entities[s.entity]!, s))),
          fc.tuple(...shapes.map((s) => fc.array(aggDraftArb(s.valueColumns), { minLength: 1, maxLength: 6 }))),
        )
        .chain(([eventsPerView, draftsPerView]) => {
          const taken = new Set<string>();
          const views: GenAggView[] = shapes.map((s, i) => {
            const name = `v${i}`;
            const keys = entities[s.entity]!.keys;
            const columns: GenColumn[] = [
              ...keys.map((k) => ({ name: k.name, type: k.type, sqlType: aggSqlType(k.type) })),
              { name: s.timestampColumn, type: "timestamp", sqlType: "TIMESTAMP" },
              ...(s.createdColumn === null ? [] : [{ name: s.createdColumn, type: "timestamp" as const, sqlType: "TIMESTAMP" }]),
              ...s.valueColumns.map((c) => ({ ...c, sqlType: aggSqlType(c.type) })),
            ];
            return {
              name,
              entity: s.entity,
              sourceName: `src_${name}`,
              table: `raw.src_${name}`,
              timestampColumn: s.timestampColumn,
              createdColumn: s.createdColumn,
              columns,
              events: eventsPerView[i]!,
              aggregations: nameAggregations(name, draftsPerView[i]!, taken, fullNames),
            };
          });
          const baseColumns: ColumnSpec[] = [
            ...entities.flatMap((e) => e.keys.map((k) => ({ name: k.name, type: k.type }))),
            { name: timestampColumn, type: "timestamp" },
            { name: "label", type: "label" },
          ];
          return fc
            .record({
              entityColumns: fc.shuffledSubarray(baseColumns, { minLength: baseColumns.length, maxLength: baseColumns.length }),
              entityRows: entityRowsArb(entities, views, timestampColumn),
              features: featureRefsArb(views),
            })
            .map(({ entityColumns, entityRows, features }): GenAggCase => ({
              entities,
              views,
              entityColumns,
              entityRows: entityRows.map((r) => Object.fromEntries(entityColumns.map((c) => [c.name, r[c.name] ?? null]))),
              timestampColumn,
              features,
              fullNames,
            }));
        }),
    );
}

// ---------------------------------------------------------------------------------------------
// To the reference and to YAML
// ---------------------------------------------------------------------------------------------

/** The reference views of a case. */
export function toAggViews(c: GenAggCase): RefAggView[] {
  return c.views.map((v) => ({
    name: v.name,
    joinKeys: c.entities[v.entity]!.keys.map((k) => k.name),
    timestampColumn: v.timestampColumn,
    createdColumn: v.createdColumn,
    events: v.events,
    aggregations: v.aggregations.map((a) => ({
      name: a.name,
      function: a.function,
      column: a.column,
      windowMicros: a.windowMicros,
      filter: a.filter === null ? null : a.filter.evaluate,
      columnType: a.columnType,
    })),
  }));
}

/** The reference request of a case (give it to aggregateReference). */
export function toAggRequest(c: GenAggCase): AggRequest {
  return {
    aggViews: toAggViews(c),
    entityRows: c.entityRows,
    entityColumns: c.entityColumns.map((col) => col.name),
    features: c.features,
    timestampColumn: c.timestampColumn,
    fullNames: c.fullNames,
  };
}

/** One aggregation as a YAML mapping: `{name?, function, column?, window, filter?}` (absent keys omitted). */
export function aggregationYaml(a: GenAggregation): Record<string, string> {
  return {
    ...(a.yamlName === null ? {} : { name: a.yamlName }),
    function: a.function,
    ...(a.column === null ? {} : { column: a.column }),
    window: a.window,
    ...(a.filter === null ? {} : { filter: a.filter.sql }),
  };
}
