import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withPg } from "../helpers/postgres.js";
import { assertProperty } from "../helpers/property.js";
import {
  BIG_LIMIT,
  FILTERS,
  aggSqlType,
  MAX_EVENTS,
  VALUE_COLUMNS,
  aggCaseArb,
  aggregationYaml,
  defaultAggregationName,
  toAggRequest,
  windowMicros,
} from "./agg-arbitraries.js";
import type { GenAggCase } from "./agg-arbitraries.js";
import { aggOutputType, aggregateReference, aggregateValue, windowEvents } from "./agg-reference.js";
import type { AggFunction, AggType } from "./agg-reference.js";
import { isoFromMicros, keyEquals, micros } from "./pit-reference.js";
import type { Row, Value } from "./pit-reference.js";

describe("names and windows", () => {
  it("defaultAggregationName: <column>_<function>_<window>, count_<window> without a column", () => {
    expect(defaultAggregationName("sum", "amount", "7d")).toBe("amount_sum_7d");
    expect(defaultAggregationName("count", null, "1h")).toBe("count_1h");
    expect(defaultAggregationName("count", "amount", "lifetime")).toBe("amount_count_lifetime");
    expect(defaultAggregationName("count_distinct", "status", "30d")).toBe("status_count_distinct_30d");
  });

  it("windowMicros: durations in micros, lifetime null", () => {
    expect(windowMicros("1m")).toBe(60_000_000n);
    expect(windowMicros("2h")).toBe(7_200_000_000n);
    expect(windowMicros("7d")).toBe(604_800_000_000n);
    expect(windowMicros("lifetime")).toBeNull();
  });

  it("the filter catalogue evaluates in three-valued logic", () => {
    const f = (sql: string) => FILTERS.find((x) => x.sql === sql)!.evaluate;
    expect(f("amount > 0")({ amount: null })).toBeNull();
    expect(f("amount IS NOT NULL AND amount <= 5")({ amount: null })).toBe(false);
    expect(f("amount IS NOT NULL AND amount <= 5")({ amount: 5 })).toBe(true);
    expect(f("status = 'paid'")({ status: "paid " })).toBe(false);
    expect(f("NOT (qty < 2)")({ qty: null })).toBeNull();
    expect(f("NOT (qty < 2)")({ qty: 2n })).toBe(true);
    expect(f("qty >= 3 OR status = 'paid'")({ qty: null, status: "paid" })).toBe(true);
    expect(f("qty >= 3 OR status = 'paid'")({ qty: null, status: "a" })).toBeNull();
    expect(f("qty >= 3 OR status = 'paid'")({ qty: 1n, status: "a" })).toBe(false);
    expect(f("NOT flag")({ flag: null })).toBeNull();
  });
});

/** Rows around every catalogue filter's edges, NULL in every column somewhere. */
const FILTER_ROWS: Row[] = [
  { qty: null, big: null, amount: null, status: null, seen_at: null, flag: null },
  { qty: 1n, big: -1n, amount: 0, status: "paid", seen_at: micros("2024-01-02 23:59:59.999999"), flag: true },
  { qty: 2n, big: 0n, amount: 5, status: "paid ", seen_at: micros("2024-01-03 00:00:00"), flag: false },
  { qty: 3n, big: 2n ** 57n, amount: 5.25, status: "a", seen_at: null, flag: null },
  { qty: null, big: -(2n ** 57n), amount: -0.5, status: "paid", seen_at: micros("2024-01-09 00:00:00"), flag: true },
  { qty: null, big: 1n, amount: 0.25, status: "b", seen_at: null, flag: false },
  { qty: 1n, big: null, amount: null, status: "A", seen_at: null, flag: null },
  { qty: 12n, big: null, amount: -1000, status: "", seen_at: null, flag: null },
  { qty: -3n, big: null, amount: 1000, status: null, seen_at: null, flag: null },
];

function sqlLiteral(v: Value, type: AggType): string {
  const cast = (text: string) => `CAST(${text} AS ${aggSqlType(type)})`;
  if (v === null) return cast("NULL");
  if (type === "timestamp") return cast(`'${isoFromMicros(v as bigint)}'`);
  if (typeof v === "string") return cast(`'${v.replaceAll("'", "''")}'`);
  return cast(String(v));
}

/** `SELECT i, (filter) FROM (VALUES …)` over FILTER_ROWS, one column per filter. */
function filterQuery(): string {
  const cols = VALUE_COLUMNS.map((c) => c.name);
  const values = FILTER_ROWS.map((r, i) => `(${i}, ${VALUE_COLUMNS.map((c) => sqlLiteral(r[c.name] ?? null, c.type)).join(", ")})`);
  const preds = FILTERS.map((f, j) => `(${f.sql}) AS f${j}`).join(", ");
  return `SELECT i, ${preds} FROM (VALUES ${values.join(", ")}) AS t(i, ${cols.join(", ")}) ORDER BY i`;
}

const expected = (): Array<Array<boolean | null>> => FILTER_ROWS.map((r) => FILTERS.map((f) => f.evaluate(r)));

describe("the filter catalogue on the engines", () => {
  it("DuckDB gives what the evaluators give", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    try {
      const conn = await instance.connect();
      const rows = (await conn.runAndReadAll(filterQuery())).getRows();
      conn.disconnectSync();
      expect(rows.map((r) => r.slice(1))).toEqual(expected());
    } finally {
      instance.closeSync();
    }
  });

  it("PostgreSQL gives what the evaluators give", async () => {
    const rows = await withPg(async (c) => (await c.query({ text: filterQuery(), rowMode: "array" })).rows as unknown[][]);
    expect(rows.map((r) => r.slice(1))).toEqual(expected());
  });

  it("the rows make every filter true and false somewhere, and NULL unless it guards with IS NOT NULL", () => {
    FILTERS.forEach((f, j) => {
      const outcomes = f.sql.includes("IS NOT NULL") ? [true, false] : [true, false, null];
      expect(new Set(expected().map((r) => r[j])), f.sql).toEqual(new Set(outcomes));
    });
  });
});

const jsType = (v: Value): string => (v === null ? "null" : typeof v);
const WANT_JS: Record<string, string> = { int64: "bigint", timestamp: "bigint", float64: "number", string: "string", bool: "boolean" };

describe("aggCaseArb", () => {
  it("produces well-formed cases within the exactness limits", () => {
    assertProperty(
      fc.property(aggCaseArb(), (c) => {
        const outNames = new Set<string>();
        for (const v of c.views) {
          expect(v.events.length).toBeLessThanOrEqual(MAX_EVENTS);
          for (const e of v.events) {
            expect(Object.keys(e).sort()).toEqual(v.columns.map((col) => col.name).sort());
            for (const col of v.columns) expect(["null", WANT_JS[col.type]]).toContain(jsType(e[col.name] ?? null));
            const big = e.big ?? null;
            if (big !== null) expect((big as bigint) <= BIG_LIMIT && (big as bigint) >= -BIG_LIMIT).toBe(true);
            const amount = e.amount ?? null;
            if (amount !== null) expect(Number.isInteger((amount as number) * 4) && Math.abs(amount as number) <= 1000).toBe(true);
          }
          const names = new Set(v.aggregations.map((a) => a.name));
          expect(names.size).toBe(v.aggregations.length);
          for (const a of v.aggregations) {
            if (a.yamlName === null) expect(a.name).toBe(defaultAggregationName(a.function, a.column, a.window));
            else expect(a.name).toBe(a.yamlName);
            expect(a.windowMicros).toBe(windowMicros(a.window));
            const col = v.columns.find((x) => x.name === a.column);
            if (a.column !== null) expect([col?.type, col?.sqlType]).toEqual([a.columnType, a.columnSqlType]);
            aggOutputType(a.function, a.columnType);
            if (a.function === "stddev") expect(a.column).not.toBe("big");
            for (const fcol of a.filter?.columns ?? []) expect(v.columns.map((x) => x.name)).toContain(fcol);
            const yaml = aggregationYaml(a);
            expect(yaml.name).toBe(a.yamlName ?? undefined);
            expect(yaml.filter).toBe(a.filter?.sql);
            outNames.add(c.fullNames ? `${v.name}__${a.name}` : a.name);
          }
        }
        expect(outNames.size).toBe(c.views.reduce((n, v) => n + v.aggregations.length, 0));
        for (const r of c.entityRows) expect(Object.keys(r)).toEqual(c.entityColumns.map((col) => col.name));
        const res = aggregateReference(toAggRequest(c)); // throws on a name clash or an int64 overflow
        expect(res.rows.length).toBe(c.entityRows.length);
      }),
      { runs: 300, minRuns: 100, seconds: 20 },
    );
  });

  it("hits the corners often: both window edges, ties, NULLs, filters that are NULL, sums beyond 2^53", () => {
    const stats = new Map<string, number>();
    let cases = 0;
    assertProperty(
      fc.property(aggCaseArb(), (c) => {
        cases++;
        for (const k of corners(c)) stats.set(k, (stats.get(k) ?? 0) + 1);
      }),
      { runs: 300, minRuns: 100, seconds: 30, seed: 42 },
    );
    if (process.env.SHOW_STATS) console.log(cases, Object.fromEntries(stats));
    const must = [
      "lowerEdge",
      "justBeforeLowerEdge",
      "upperEdge",
      "lastTieOnTs",
      "lastTieOnCreated",
      "nullValueInWindow",
      "nullEventTs",
      "nullEntityTs",
      "emptyWindow",
      "sumBeyond53",
      "filterNull",
      "filterFalse",
      "countDistinctDuplicates",
      "compositeKeys",
      "twoViews",
      "lifetime",
      "defaultName",
      "explicitName",
      "fullNames",
      "duplicateEntityRows",
      ...(["count", "count_distinct", "sum", "avg", "min", "max", "stddev", "last"] as AggFunction[]).map((f) => `fn:${f}`),
      ...VALUE_COLUMNS.map((col) => `column:${col.name}`),
    ];
    for (const k of must) expect(stats.get(k) ?? 0, k).toBeGreaterThanOrEqual(cases * 0.05);
  });
});

/** The corners one case exercises (each counted once per case). */
function corners(c: GenAggCase): Set<string> {
  const out = new Set<string>();
  const req = toAggRequest(c);
  const json = (r: Row) => JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  if (new Set(c.entityRows.map(json)).size < c.entityRows.length) out.add("duplicateEntityRows");
  if (c.entities.some((e) => e.keys.length > 1)) out.add("compositeKeys");
  if (c.views.length > 1) out.add("twoViews");
  if (c.fullNames) out.add("fullNames");
  for (const e of c.entityRows) if ((e[c.timestampColumn] ?? null) === null) out.add("nullEntityTs");
  c.views.forEach((gv, vi) => {
    const v = req.aggViews[vi]!;
    if (gv.events.some((e) => (e[gv.timestampColumn] ?? null) === null)) out.add("nullEventTs");
    gv.aggregations.forEach((ga, ai) => {
      const a = v.aggregations[ai]!;
      out.add(`fn:${a.function}`);
      if (a.column !== null) out.add(`column:${a.column}`);
      if (a.windowMicros === null) out.add("lifetime");
      out.add(ga.yamlName === null ? "defaultName" : "explicitName");
      for (const e of c.entityRows) {
        const t = (e[c.timestampColumn] ?? null) as bigint | null;
        if (t === null) continue;
        const keyed = v.events.filter((r) => v.joinKeys.every((k) => keyEquals(e[k] ?? null, r[k] ?? null)));
        if (keyed.length === 0) continue;
        const passes = (r: Row) => a.filter === null || a.filter(r) === true;
        if (keyed.some((r) => r[v.timestampColumn] === t && passes(r))) out.add("upperEdge");
        if (a.windowMicros !== null) {
          if (keyed.some((r) => r[v.timestampColumn] === t - a.windowMicros! && passes(r))) out.add("lowerEdge");
          if (keyed.some((r) => r[v.timestampColumn] === t - a.windowMicros! - 1n && passes(r))) out.add("justBeforeLowerEdge");
        }
        const inWindow = windowEvents(v, { ...a, filter: null }, e, t);
        if (a.filter !== null && inWindow.some((r) => a.filter!(r) === null)) out.add("filterNull");
        if (a.filter !== null && inWindow.some((r) => a.filter!(r) === false)) out.add("filterFalse");
        const win = windowEvents(v, a, e, t);
        if (win.length === 0) out.add("emptyWindow");
        const col = a.column;
        if (col === null) continue;
        if (win.some((r) => (r[col] ?? null) === null)) out.add("nullValueInWindow");
        const value = aggregateValue(v, a, e, t);
        if (a.function === "sum" && typeof value === "bigint" && (value > 2n ** 53n || value < -(2n ** 53n))) out.add("sumBeyond53");
        if (a.function === "count_distinct" && (value as bigint) < (aggregateValue(v, { ...a, function: "count" }, e, t) as bigint))
          out.add("countDistinctDuplicates");
        if (a.function === "last") {
          const nonNull = win.filter((r) => (r[col] ?? null) !== null);
          const maxTs = nonNull.reduce<bigint | null>((m, r) => {
            const ts = r[v.timestampColumn] as bigint;
            return m === null || ts > m ? ts : m;
          }, null);
          const top = nonNull.filter((r) => r[v.timestampColumn] === maxTs);
          if (top.length > 1) {
            out.add("lastTieOnTs");
            const cr = v.createdColumn;
            if (cr !== null && new Set(top.map((r) => String(r[cr]))).size < top.length) out.add("lastTieOnCreated");
          }
        }
      }
    });
  });
  return out;
}
