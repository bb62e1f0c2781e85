/**
 * Aggregation views in training (docs/aggregations.md) against the in-memory reference
 * (test/reference/agg-reference.ts), on every dialect: random events with NULLs and ties, entity
 * timestamps exactly at an event and at an event + window (both window edges), empty windows,
 * several windows, functions and filters per view, composite keys and 64-bit ids and sums. Plus
 * named examples with their right values.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { train } from "../src/index.js";
import { assertAsyncProperty, testTimeout } from "./helpers/property.js";
import type { PropertyBudget } from "./helpers/property.js";
import { DIALECT_NAMES, TEST_TARGETS, closeTestTargets } from "./helpers/targets.js";
import { createAggTables, writeAggProject } from "./helpers/aggregation-project.js";
import { aggCaseArb, toAggRequest } from "./reference/agg-arbitraries.js";
import type { GenAggCase } from "./reference/agg-arbitraries.js";
import { aggregateReference, expectSameAggregates, tolerantColumns } from "./reference/agg-reference.js";
import { readOutput, removeDir, show } from "./reference/duckdb-harness.js";
import type { Row } from "./reference/pit-reference.js";
import { chooseAggregationShape, eventsPerKeyInWindow, tileSeconds } from "../src/compile/training-shapes.js";
import type { AggregationShape } from "../src/compile/training-shapes.js";
import { duckdbDialect } from "../src/dialects/duckdb.js";
import { postgresDialect } from "../src/dialects/postgres.js";

afterAll(closeTestTargets);

/**
 * The training shapes of aggregation views each dialect has (docs/aggregations.md, "Training"):
 * each is forced in turn, since on the small random data the density statistic would choose the
 * join; `undefined` is the shape `train` chooses itself.
 */
const SHAPES: Record<(typeof DIALECT_NAMES)[number], (AggregationShape | undefined)[]> = {
  duckdb: [undefined, "aggregate-tiles"],
  postgres: [undefined, "aggregate-join", "aggregate-tiles", "aggregate-lateral"],
};

/** The functions the tiles shape computes; a view with another falls back to the join shape. */
const TILEABLE = new Set(["count", "sum", "avg", "min", "max"]);

/**
 * The case for a shape: for `aggregate-tiles`, without the aggregations tiles cannot compute (so
 * that the tiles shape is the one exercised, not its fallback), and null when nothing is left.
 */
function caseFor(c: GenAggCase, shape: AggregationShape | undefined): GenAggCase | null {
  if (shape !== "aggregate-tiles") return c;
  const views = c.views
    .map((v) => ({ ...v, aggregations: v.aggregations.filter((a) => TILEABLE.has(a.function)) }))
    .filter((v) => v.aggregations.length > 0);
  const features = c.features.filter((ref) => {
    const [view, feature] = ref.split(":");
    const v = views.find((x) => x.name === view);
    return v !== undefined && (feature === "*" || v.aggregations.some((a) => a.name === feature));
  });
  return features.length > 0 ? { ...c, views, features } : null;
}

/** Trains the case on one dialect and reads the output as the reference's data model. */
async function trainOn(
  dialect: (typeof DIALECT_NAMES)[number],
  c: GenAggCase,
  shape?: AggregationShape,
): Promise<{ columns: string[]; rows: Row[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fc-agg-"));
  const wh = await TEST_TARGETS[dialect].prepare(dir);
  try {
    writeAggProject(dir, c, wh);
    await createAggTables(wh, c);
    const out = path.join(dir, "out.parquet");
    await train({
      projectDir: dir,
      features: c.features,
      entitiesSql: `SELECT * FROM "${wh.rawSchema}"."entities"`,
      out,
      ...(c.timestampColumn === "event_timestamp" ? {} : { timestampColumn: c.timestampColumn }),
      ...(c.fullNames ? { fullNames: true } : {}),
      ...(shape ? { aggregationShape: shape } : {}),
    });
    const got = await readOutput(out);
    return { columns: got.columns, rows: got.rows.map((r) => Object.fromEntries(got.columns.map((col, i) => [col, r[i]!]))) };
  } finally {
    removeDir(dir);
    await wh.cleanup();
  }
}

/** One case trains on every dialect: about 0.3 s on DuckDB, 0.5 s on PostgreSQL. */
const BUDGET: PropertyBudget = { runs: 30, minRuns: 10, seconds: 60 };

describe("aggregation views in training equal the reference", () => {
  it(
    "random cases, on every dialect",
    async () => {
      await assertAsyncProperty(
        fc.asyncProperty(aggCaseArb(), async (whole) => {
          for (const dialect of DIALECT_NAMES) {
            for (const shape of SHAPES[dialect]) {
              const c = caseFor(whole, shape);
              if (!c) continue;
              const req = toAggRequest(c);
              const want = aggregateReference(req);
              const got = await trainOn(dialect, c, shape);
              try {
                expectSameAggregates(got, want, tolerantColumns(req));
              } catch (err) {
                throw new Error(`${dialect} (${shape ?? "chosen"}): ${(err as Error).message}\nentity rows: ${show(c.entityRows)}`, {
                  cause: err,
                });
              }
            }
          }
        }),
        BUDGET,
      );
    },
    testTimeout(BUDGET),
  );
});

const T = (s: string): bigint => BigInt(Date.parse(`${s}Z`)) * 1000n;

/** A hand-written case: one customer key, orders with amount and status. */
function ordersCase(): GenAggCase {
  const events: Row[] = [
    { customer_id: 1n, ts: T("2024-01-01T00:00:00"), created: null, amount: 10.5, qty: 1n, status: "paid" },
    { customer_id: 1n, ts: T("2024-01-05T00:00:00"), created: null, amount: 2, qty: 9223372036854775000n, status: "open" },
    { customer_id: 1n, ts: T("2024-01-10T00:00:00"), created: null, amount: null, qty: 3n, status: "paid" },
    { customer_id: 1n, ts: T("2024-01-10T00:00:00"), created: null, amount: 4, qty: 5n, status: "paid" },
    { customer_id: 2n, ts: T("2024-01-02T00:00:00"), created: null, amount: 7, qty: 2n, status: "paid" },
    { customer_id: 1n, ts: null, created: null, amount: 100, qty: 100n, status: "paid" },
  ];
  const agg = (name: string, fn: string, column: string | null, window: string, micros: bigint | null, type: string) => ({
    name,
    yamlName: name,
    function: fn,
    column,
    columnType: type,
    columnSqlType: "",
    window,
    windowMicros: micros,
    filter: null,
  });
  const DAY = 86_400_000_000n;
  return {
    entities: [{ name: "customer", keys: [{ name: "customer_id", type: "int64" }] }],
    views: [
      {
        name: "orders",
        entity: 0,
        sourceName: "orders_src",
        table: "raw.orders_src",
        timestampColumn: "ts",
        createdColumn: "created",
        columns: [
          { name: "customer_id", type: "int64", sqlType: "BIGINT" },
          { name: "ts", type: "timestamp", sqlType: "TIMESTAMP" },
          { name: "created", type: "timestamp", sqlType: "TIMESTAMP" },
          { name: "amount", type: "float64", sqlType: "DOUBLE PRECISION" },
          { name: "qty", type: "int64", sqlType: "BIGINT" },
          { name: "status", type: "string", sqlType: "TEXT" },
        ],
        events,
        aggregations: [
          agg("n_7d", "count", null, "7d", 7n * DAY, "int64"),
          agg("amount_n_7d", "count", "amount", "7d", 7n * DAY, "float64"),
          agg("amount_sum_30d", "sum", "amount", "30d", 30n * DAY, "float64"),
          agg("qty_sum_life", "sum", "qty", "lifetime", null, "int64"),
          agg("amount_last_7d", "last", "amount", "7d", 7n * DAY, "float64"),
          agg("status_min_30d", "min", "status", "30d", 30n * DAY, "string"),
          agg("amount_sd_30d", "stddev", "amount", "30d", 30n * DAY, "float64"),
          agg("status_nd_30d", "count_distinct", "status", "30d", 30n * DAY, "string"),
          {
            // A filter that ends in a comment: it must not swallow the SQL after it.
            ...agg("paid_30d", "count", null, "30d", 30n * DAY, "int64"),
            filter: {
              sql: "status = 'paid' -- paid only",
              columns: ["status"],
              evaluate: (r: Row) => (r.status === null ? null : r.status === "paid"),
            },
          },
        ],
      },
    ],
    entityColumns: [
      { name: "customer_id", type: "int64" },
      { name: "event_timestamp", type: "timestamp" },
    ],
    entityRows: [
      { customer_id: 1n, event_timestamp: T("2024-01-05T00:00:00") },
      { customer_id: 1n, event_timestamp: T("2024-01-11T00:00:00") },
      { customer_id: 2n, event_timestamp: T("2024-01-01T00:00:00") },
      { customer_id: 3n, event_timestamp: T("2024-01-11T00:00:00") },
      { customer_id: 1n, event_timestamp: T("2024-01-12T00:00:00") },
    ],
    timestampColumn: "event_timestamp",
    features: ["orders:*"],
    fullNames: false,
  } as unknown as GenAggCase;
}

describe("aggregation views: a named example with its right values", () => {
  for (const [dialect, shape] of DIALECT_NAMES.flatMap((d) => SHAPES[d].map((s) => [d, s] as const))) {
    it(`${dialect} (${shape ?? "chosen shape"}): window edges, NULL values and timestamps, an empty window, last at a tie, int64 sums beyond 2^53`, async () => {
      const c = ordersCase();
      const got = await trainOn(dialect, c, shape);
      expect(got.columns).toEqual([
        "customer_id",
        "event_timestamp",
        "n_7d",
        "amount_n_7d",
        "amount_sum_30d",
        "qty_sum_life",
        "amount_last_7d",
        "status_min_30d",
        "amount_sd_30d",
        "status_nd_30d",
        "paid_30d",
      ]);
      const cols = (r: Row) => [
        r.n_7d,
        r.amount_n_7d,
        r.amount_sum_30d,
        r.qty_sum_life,
        r.amount_last_7d,
        r.status_min_30d,
        r.status_nd_30d,
        r.paid_30d,
      ];
      expect(got.rows.map(cols)).toEqual([
        // at 01-05: only the 01-01 order (the one at 01-05 is at T, not before it)
        [1n, 1n, 10.5, 1n, 10.5, "paid", 1n, 1n],
        // at 01-11: 01-05 and both 01-10 orders in 7d (one amount NULL); last at 01-10 is the greater value, 4
        [3n, 2n, 16.5, 9223372036854775009n, 4, "open", 2n, 3n],
        // at 01-01 for customer 2: its only order is later
        [0n, 0n, null, null, null, null, 0n, 0n],
        // a customer with no orders
        [0n, 0n, null, null, null, null, 0n, 0n],
        // at 01-12: the 01-05 order is still inside [01-05, 01-12): the lower edge is included
        [3n, 2n, 16.5, 9223372036854775009n, 4, "open", 2n, 3n],
      ]);
      expectSameAggregates(got, aggregateReference(toAggRequest(c)), tolerantColumns(toAggRequest(c)));
    });
  }
});

describe("aggregation views: the tiles shape on a named example", () => {
  for (const dialect of DIALECT_NAMES) {
    it(`${dialect}: counts, sums, min of strings and a filter over tiles, with events exactly at T - w and at T`, async () => {
      // Without last, stddev and count_distinct (which tiles cannot compute), so tiles run.
      const c = caseFor(ordersCase(), "aggregate-tiles")!;
      expect(c.views[0]!.aggregations.map((a) => a.function)).toEqual(["count", "count", "sum", "sum", "min", "count"]);
      const got = await trainOn(dialect, c, "aggregate-tiles");
      expectSameAggregates(got, aggregateReference(toAggRequest(c)), tolerantColumns(toAggRequest(c)));
      // at 01-12, 7d: the 01-05 order (at T - w exactly) counts; at 01-05, the order at T does not
      expect(got.rows.map((r) => r.n_7d)).toEqual([1n, 3n, 0n, 0n, 3n]);
    });
  }
});

describe("aggregation views: which shape train chooses", () => {
  const f = (fn: string, days?: number) => ({
    aggregation: { function: fn, windowSeconds: days === undefined ? undefined : days * 86_400 },
  });
  const dense = { events: 10_000_000, keys: 5_000, spanSeconds: 365 * 86_400 }; // ≈ 164 per key in 30 days
  const sparse = { events: 10_000_000, keys: 100_000, spanSeconds: 365 * 86_400 }; // ≈ 8
  const base = [f("count", 1), f("sum", 7), f("avg", 30)];
  it("tiles of the greatest divisor of the windows that is at most a day", () => {
    expect(tileSeconds([86_400, 7 * 86_400, 30 * 86_400])).toBe(86_400);
    expect(tileSeconds([3_600, 7_200])).toBe(3_600);
    expect(tileSeconds([90, 3_600])).toBe(90);
    expect(tileSeconds([60, 90])).toBe(30);
    expect(tileSeconds([7 * 86_400])).toBe(86_400);
    expect(tileSeconds([30 * 86_400])).toBe(86_400);
    expect(tileSeconds([10 * 86_400 + 3_600])).toBe(72_300); // 241 h = 12 tiles of 20 h 5 min
    expect(tileSeconds([undefined])).toBe(86_400);
    expect(tileSeconds([undefined, 7_200])).toBe(7_200);
  });
  it("DuckDB: tiles on dense data, the join on sparse data, without a density, or with a function tiles cannot compute", () => {
    expect(chooseAggregationShape(duckdbDialect, base, "assumed", dense).shape).toBe("aggregate-tiles");
    expect(chooseAggregationShape(duckdbDialect, base, "assumed", sparse).shape).toBe("aggregate-join");
    expect(chooseAggregationShape(duckdbDialect, base, "assumed").shape).toBe("aggregate-join");
    expect(chooseAggregationShape(duckdbDialect, [...base, f("last", 7)], "assumed", dense).reason).toMatch(/tiles cannot compute last/);
    expect(eventsPerKeyInWindow(dense, 30 * 86_400)).toBeCloseTo(164.4, 1);
  });
  it("PostgreSQL: lateral with the index, else tiles or join by density; build (index assumed, no density): the join", () => {
    expect(chooseAggregationShape(postgresDialect, base, "present", sparse).shape).toBe("aggregate-lateral");
    expect(chooseAggregationShape(postgresDialect, [f("last", 30)], "present").shape).toBe("aggregate-lateral");
    expect(chooseAggregationShape(postgresDialect, base, "absent", dense).shape).toBe("aggregate-tiles");
    expect(chooseAggregationShape(postgresDialect, base, "absent", sparse).shape).toBe("aggregate-join");
    expect(chooseAggregationShape(postgresDialect, base, "assumed").shape).toBe("aggregate-join");
  });
});
