import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertProperty } from "../helpers/property.js";
import { aggCaseArb, toAggRequest, toAggViews } from "./agg-arbitraries.js";
import {
  aggOutputType,
  aggregateAt,
  aggregateMismatches,
  aggregateReference,
  aggregateValue,
  expectSameAggregates,
  tolerantColumns,
  windowEvents,
} from "./agg-reference.js";
import type { AggFilter, AggFunction, AggType, RefAggregation, RefAggView } from "./agg-reference.js";
import { compareValues, micros } from "./pit-reference.js";
import type { PitResult, RefView, Row, Value } from "./pit-reference.js";

const H = 3_600_000_000n;
const T = micros("2024-01-10 12:00:00");
const TYPES: Record<string, AggType> = { n: "int64", x: "float64", s: "string", at: "timestamp", b: "bool" };

/** An aggregation over column `column` (type from TYPES), default window 1h. */
function agg(fn: AggFunction, column: string | null, windowMicros: bigint | null = H, filter: AggFilter | null = null): RefAggregation {
  const name = `${column ?? "all"}_${fn}`;
  return { name, function: fn, column, windowMicros, filter, columnType: column === null ? null : TYPES[column]! };
}

function view(events: Row[], aggregations: RefAggregation[] = [], createdColumn: string | null = "created"): RefAggView {
  return { name: "v", joinKeys: ["id"], timestampColumn: "ts", createdColumn, events, aggregations };
}

function ev(id: Value, ts: bigint | null, values: Row = {}, created: bigint | null = null): Row {
  return { id, ts, created, ...values };
}

/** The value of `a` over `events` for entity id 1 at `t`. */
function at(
  events: Row[],
  a: RefAggregation,
  t: bigint | null = T,
  keys: Row = { id: 1n },
  createdColumn: string | null = "created",
): Value {
  return aggregateValue(view(events, [a], createdColumn), a, keys, t);
}

describe("window edges", () => {
  const events = [
    ev(1n, T - H, { n: 1n }), // exactly T - w: included
    ev(1n, T - H - 1n, { n: 10n }), // 1µs before T - w: excluded
    ev(1n, T - H / 2n, { n: 100n }), // inside
    ev(1n, T - 1n, { n: 1000n }), // 1µs before T: included
    ev(1n, T, { n: 10000n }), // at T: excluded
    ev(1n, T + H, { n: 100000n }), // after T: excluded
  ];

  it("counts the event at T − w and not the ones at T − w − 1µs, at T or after", () => {
    expect(at(events, agg("count", null))).toBe(3n);
    expect(at(events, agg("sum", "n"))).toBe(1101n);
  });

  it("lifetime has no lower bound but still excludes T and later", () => {
    expect(at(events, agg("sum", "n", null))).toBe(1111n);
    expect(at([ev(1n, micros("1970-01-01 00:00:00"), { n: 5n }), ...events], agg("sum", "n", null))).toBe(1116n);
  });

  it("an entity at the event's timestamp does not see it; 1µs later it does", () => {
    const e = [ev(1n, T, { n: 7n })];
    expect(at(e, agg("count", null), T)).toBe(0n);
    expect(at(e, agg("count", null), T + 1n)).toBe(1n);
    expect(at(e, agg("count", null), T + H)).toBe(1n); // T + w: e.ts = T' - w is the lower edge, included
    expect(at(e, agg("count", null), T + H + 1n)).toBe(0n);
  });

  it("a 1-minute window", () => {
    const m = 60_000_000n;
    const e = [ev(1n, T - m, { n: 1n }), ev(1n, T - m - 1n, { n: 2n }), ev(1n, T - 1n, { n: 4n })];
    expect(at(e, agg("sum", "n", m))).toBe(5n);
  });

  it("events with a NULL timestamp never count, not even over a lifetime", () => {
    expect(at([ev(1n, null, { n: 3n }), ev(1n, T - 1n, { n: 4n })], agg("sum", "n", null))).toBe(4n);
  });
});

describe("NULL values and empty windows", () => {
  // n: 1, NULL, 3 (oldest to newest), then a newest event whose value is NULL
  const events = [ev(1n, T - 40n, { n: 1n }), ev(1n, T - 30n, { n: null }), ev(1n, T - 20n, { n: 3n }), ev(1n, T - 10n, { n: null })];
  const cases: Array<[AggFunction, string | null, Value]> = [
    ["count", null, 4n],
    ["count", "n", 2n],
    ["count_distinct", "n", 2n],
    ["sum", "n", 4n],
    ["avg", "n", 2],
    ["min", "n", 1n],
    ["max", "n", 3n],
    ["stddev", "n", 1],
    ["last", "n", 3n], // the newest event is NULL: the newest non-NULL value
  ];
  for (const [fn, col, want] of cases) {
    it(`${fn}(${col ?? "*"}) skips NULL values`, () => expect(at(events, agg(fn, col))).toBe(want));
  }

  const empty: Array<[AggFunction, string | null, Value]> = [
    ["count", null, 0n],
    ["count", "n", 0n],
    ["count_distinct", "n", 0n],
    ["sum", "n", null],
    ["avg", "n", null],
    ["min", "n", null],
    ["max", "n", null],
    ["stddev", "n", null],
    ["last", "n", null],
  ];
  for (const [fn, col, want] of empty) {
    it(`${fn}(${col ?? "*"}) over an empty window is ${String(want)}`, () => {
      expect(at([ev(1n, T - 2n * H, { n: 5n })], agg(fn, col))).toBe(want);
    });
  }

  it("a window whose values are all NULL: count(*) counts the events, the others see no values", () => {
    const nulls = [ev(1n, T - 1n, { n: null }), ev(1n, T - 2n, { n: null })];
    expect(at(nulls, agg("count", null))).toBe(2n);
    expect(at(nulls, agg("count", "n"))).toBe(0n);
    expect(at(nulls, agg("count_distinct", "n"))).toBe(0n);
    expect(at(nulls, agg("sum", "n"))).toBeNull();
    expect(at(nulls, agg("last", "n"))).toBeNull();
  });
});

describe("last", () => {
  it("the latest event wins over a greater created timestamp of an older event", () => {
    const e = [ev(1n, T - 20n, { n: 1n }, T + 99n), ev(1n, T - 10n, { n: 2n }, 0n)];
    expect(at(e, agg("last", "n"))).toBe(2n);
  });

  it("at equal event timestamps the greater created timestamp wins (even with a smaller value)", () => {
    const e = [ev(1n, T - 10n, { n: 9n }, 1n), ev(1n, T - 10n, { n: 2n }, 2n)];
    expect(at(e, agg("last", "n"))).toBe(2n);
    expect(at([...e].reverse(), agg("last", "n"))).toBe(2n);
  });

  it("a NULL created timestamp sorts lowest", () => {
    const e = [ev(1n, T - 10n, { n: 9n }, null), ev(1n, T - 10n, { n: 2n }, micros("1900-01-01 00:00:00"))];
    expect(at(e, agg("last", "n"))).toBe(2n);
  });

  it("at equal event and created timestamps the greater value wins", () => {
    const e = [ev(1n, T - 10n, { n: 2n }, 5n), ev(1n, T - 10n, { n: 9n }, 5n), ev(1n, T - 10n, { n: -1n }, 5n)];
    expect(at(e, agg("last", "n"))).toBe(9n);
    const s = [ev(1n, T - 10n, { s: "b" }, null), ev(1n, T - 10n, { s: "a" }, null)];
    expect(at(s, agg("last", "s"))).toBe("b");
  });

  it("without a created column, equal event timestamps go to the greater value", () => {
    const e = [ev(1n, T - 10n, { x: 0.5 }, 100n), ev(1n, T - 10n, { x: 0.25 }, 200n)];
    expect(at(e, agg("last", "x"), T, { id: 1n }, null)).toBe(0.5);
    expect(at(e, agg("last", "x"))).toBe(0.25); // with it, created 200 wins
  });

  it("a NULL value at the greatest created timestamp is skipped", () => {
    const e = [ev(1n, T - 10n, { n: null }, 9n), ev(1n, T - 10n, { n: 4n }, 1n)];
    expect(at(e, agg("last", "n"))).toBe(4n);
  });
});

describe("functions", () => {
  it("stddev is the population standard deviation: 2,4,4,4,5,5,7,9 → 2", () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(
      at(
        xs.map((x, i) => ev(1n, T - BigInt(i + 1), { x })),
        agg("stddev", "x"),
      ),
    ).toBe(2);
    expect(
      at(
        xs.map((x, i) => ev(1n, T - BigInt(i + 1), { n: BigInt(x) })),
        agg("stddev", "n"),
      ),
    ).toBe(2);
    expect(at([ev(1n, T - 1n, { x: 3.5 })], agg("stddev", "x"))).toBe(0);
  });

  it("stddev of int64 values beyond 2^53 is exact: 2^60 and 2^60 + 1 → 0.5", () => {
    const e = [ev(1n, T - 1n, { n: 2n ** 60n }), ev(1n, T - 2n, { n: 2n ** 60n + 1n })];
    expect(at(e, agg("stddev", "n"))).toBe(0.5);
    expect(at(e, agg("avg", "n"))).toBe(2 ** 60);
  });

  it("count_distinct skips NULLs and counts duplicates once; -0 equals 0; 2^53 and 2^53 + 1 differ", () => {
    const s = ["a", "a", "b", null, "A", "b"].map((v, i) => ev(1n, T - BigInt(i + 1), { s: v }));
    expect(at(s, agg("count_distinct", "s"))).toBe(3n);
    expect(at(s, agg("count", "s"))).toBe(5n);
    const x = [0, -0, 1.5, 1.5].map((v, i) => ev(1n, T - BigInt(i + 1), { x: v }));
    expect(at(x, agg("count_distinct", "x"))).toBe(2n);
    const n = [2n ** 53n, 2n ** 53n + 1n, 2n ** 53n].map((v, i) => ev(1n, T - BigInt(i + 1), { n: v }));
    expect(at(n, agg("count_distinct", "n"))).toBe(2n);
  });

  it("min, max and last keep the column's type; strings compare by bytes", () => {
    const e = [
      ev(1n, T - 3n, { s: "a", at: micros("2024-01-05 00:00:00"), b: true, x: 1.25 }),
      ev(1n, T - 2n, { s: "B", at: micros("2023-01-05 00:00:00"), b: false, x: -2.5 }),
      ev(1n, T - 1n, { s: "é", at: null, b: null, x: null }),
    ];
    expect(at(e, agg("min", "s"))).toBe("B");
    expect(at(e, agg("max", "s"))).toBe("é");
    expect(at(e, agg("min", "at"))).toBe(micros("2023-01-05 00:00:00"));
    expect(at(e, agg("max", "at"))).toBe(micros("2024-01-05 00:00:00"));
    expect(at(e, agg("last", "at"))).toBe(micros("2023-01-05 00:00:00"));
    expect(at(e, agg("min", "b"))).toBe(false);
    expect(at(e, agg("max", "b"))).toBe(true);
    expect(at(e, agg("sum", "x"))).toBe(-1.25);
    expect(at(e, agg("avg", "x"))).toBe(-0.625);
    expect(at(e, agg("count", "x"))).toBe(2n);
  });

  it("output types: aggOutputType, and no sum/avg/stddev of other than numbers", () => {
    expect(aggOutputType("count", null)).toBe("int64");
    expect(aggOutputType("count_distinct", "string")).toBe("int64");
    expect(aggOutputType("sum", "int64")).toBe("int64");
    expect(aggOutputType("sum", "float64")).toBe("float64");
    expect(aggOutputType("avg", "int64")).toBe("float64");
    expect(aggOutputType("stddev", "int64")).toBe("float64");
    expect(aggOutputType("max", "timestamp")).toBe("timestamp");
    expect(aggOutputType("last", "bool")).toBe("bool");
    expect(() => aggOutputType("sum", "string")).toThrow(/sum of a string column/);
    expect(() => aggOutputType("avg", "bool")).toThrow(/avg of a bool column/);
    expect(() => aggOutputType("stddev", "timestamp")).toThrow(/stddev of a timestamp column/);
    expect(() => aggOutputType("min", null)).toThrow(/min needs a column/);
    expect(() => at([], agg("sum", "s"))).toThrow(/sum of a string column/);
  });

  it("int64 sums are exact beyond 2^53 and an overflow of int64 is an error", () => {
    const e = [ev(1n, T - 1n, { n: 2n ** 53n }), ev(1n, T - 2n, { n: 1n })];
    expect(at(e, agg("sum", "n"))).toBe(9007199254740993n);
    const big = [ev(1n, T - 1n, { n: 2n ** 62n }), ev(1n, T - 2n, { n: 2n ** 62n })];
    expect(() => at(big, agg("sum", "n"))).toThrow(/outside int64/);
  });
});

describe("filters", () => {
  // SQL `x > 0` in three-valued logic
  const positive: AggFilter = (r) => (r.x === null ? null : (r.x as number) > 0);
  const e = [ev(1n, T - 1n, { x: 5 }), ev(1n, T - 2n, { x: -1 }), ev(1n, T - 3n, { x: null })];

  it("only events where the filter is true count (false and NULL exclude)", () => {
    expect(at(e, agg("count", null, H, positive))).toBe(1n);
    expect(
      at(
        e,
        agg("count", null, H, () => true),
      ),
    ).toBe(3n);
    expect(
      at(
        e,
        agg("count", null, H, () => false),
      ),
    ).toBe(0n);
    expect(
      at(
        e,
        agg("count", null, H, () => null),
      ),
    ).toBe(0n);
  });

  it("the filter may read a column other than the aggregated one", () => {
    const rows = [ev(1n, T - 1n, { x: 5, n: 1n }), ev(1n, T - 2n, { x: -1, n: 10n }), ev(1n, T - 3n, { x: null, n: 100n })];
    expect(at(rows, agg("sum", "n", H, positive))).toBe(1n);
    expect(
      at(
        rows,
        agg("last", "n", H, (r) => (r.x === null ? null : (r.x as number) < 0)),
      ),
    ).toBe(10n);
  });
});

describe("keys", () => {
  const composite = (events: Row[]): RefAggView => ({
    name: "c",
    joinKeys: ["a", "b"],
    timestampColumn: "ts",
    createdColumn: null,
    events,
    aggregations: [agg("count", null)],
  });

  it("composite keys (1,23) and (12,3) are different", () => {
    const v = composite([
      { a: 1n, b: 23n, ts: T - 1n },
      { a: 12n, b: 3n, ts: T - 1n },
      { a: 12n, b: 3n, ts: T - 2n },
    ]);
    expect(aggregateAt(v, { a: 1n, b: 23n }, T)).toEqual({ all_count: 1n });
    expect(aggregateAt(v, { a: 12n, b: 3n }, T)).toEqual({ all_count: 2n });
    expect(aggregateAt(v, { a: 1n, b: 3n }, T)).toEqual({ all_count: 0n });
  });

  it("a NULL key matches nothing, in the events or in the entity row", () => {
    const v = composite([{ a: null, b: 3n, ts: T - 1n }]);
    expect(aggregateAt(v, { a: null, b: 3n }, T)).toEqual({ all_count: 0n });
    expect(at([ev(null, T - 1n)], agg("count", null), T, { id: null })).toBe(0n);
  });

  it("64-bit keys are exact: 2^63 − 1 and 2^63 − 2 are different", () => {
    const e = [ev(9223372036854775807n, T - 1n, { n: 1n }), ev(9223372036854775806n, T - 1n, { n: 2n })];
    expect(at(e, agg("sum", "n"), T, { id: 9223372036854775807n })).toBe(1n);
  });

  it("a string key is not the number it looks like", () => {
    expect(at([ev("1", T - 1n)], agg("count", null), T, { id: 1n })).toBe(0n);
  });
});

describe("aggregateReference", () => {
  const v: RefAggView = {
    ...view(
      [ev(1n, T - 10n, { n: 2n }), ev(1n, T - 20n, { n: 3n }), ev(2n, T - 10n, { n: 5n })],
      [agg("count", null), agg("sum", "n"), agg("avg", "n")],
    ),
    name: "orders",
  };
  const entityRows: Row[] = [
    { id: 1n, event_timestamp: T, label: "x" },
    { id: 2n, event_timestamp: null, label: "y" },
    { id: 1n, event_timestamp: T, label: "x" },
    { id: 2n, event_timestamp: T, label: null },
  ];

  it("one row per entity row, in order, duplicates kept, entity columns unchanged, features as requested", () => {
    const r = aggregateReference({ aggViews: [v], entityRows, features: ["orders:n_sum", "orders:all_count"] });
    expect(r.columns).toEqual(["id", "event_timestamp", "label", "n_sum", "all_count"]);
    expect(r.rows).toEqual([
      { id: 1n, event_timestamp: T, label: "x", n_sum: 5n, all_count: 2n },
      { id: 2n, event_timestamp: null, label: "y", n_sum: null, all_count: 0n }, // NULL entity timestamp: no events
      { id: 1n, event_timestamp: T, label: "x", n_sum: 5n, all_count: 2n },
      { id: 2n, event_timestamp: T, label: null, n_sum: 5n, all_count: 1n },
    ]);
  });

  it("view:* gives every aggregation in declared order; fullNames names them view__feature", () => {
    const r = aggregateReference({ aggViews: [v], entityRows: entityRows.slice(0, 1), features: ["orders:*"], fullNames: true });
    expect(r.columns).toEqual(["id", "event_timestamp", "label", "orders__all_count", "orders__n_sum", "orders__n_avg"]);
    expect(r.rows[0]).toMatchObject({ orders__all_count: 2n, orders__n_sum: 5n, orders__n_avg: 2.5 });
  });

  it("an entity row with a NULL timestamp: count and count_distinct 0, the others NULL", () => {
    const all = view(
      [ev(1n, T - 1n, { n: 1n })],
      (["count", "count_distinct", "sum", "avg", "min", "max", "stddev", "last"] as AggFunction[]).map((fn) => agg(fn, "n", null)),
    );
    expect(aggregateAt(all, { id: 1n }, null)).toEqual({
      n_count: 0n,
      n_count_distinct: 0n,
      n_sum: null,
      n_avg: null,
      n_min: null,
      n_max: null,
      n_stddev: null,
      n_last: null,
    });
  });

  it("mixes plain views (answered like pointInTimeJoin) and aggregation views; clashes and unknown names throw", () => {
    const plain: RefView = {
      name: "profile",
      joinKeys: ["id"],
      ttlMicros: null,
      features: ["tier"],
      rows: [{ id: 1n, ts: T, created: null, tier: "gold" }], // at T itself: a plain view includes it
    };
    const r = aggregateReference({
      aggViews: [v],
      views: [plain],
      entityRows: entityRows.slice(0, 2),
      features: ["profile:tier", "orders:all_count"],
    });
    expect(r.rows.map((x) => [x.tier, x.all_count])).toEqual([
      ["gold", 2n],
      [null, 0n],
    ]);
    expect(() => aggregateReference({ aggViews: [v], entityRows, features: ["orders:*", "orders:all_count"] })).toThrow(
      /clash: 'all_count'/,
    );
    expect(() => aggregateReference({ aggViews: [v, v], entityRows, features: ["orders:*"] })).toThrow(/two views named 'orders'/);
    expect(() => aggregateReference({ aggViews: [v], entityRows, features: ["orders:nope"] })).toThrow(/unknown feature/);
    expect(() => aggregateReference({ aggViews: [v], entityRows, features: ["nope:x"] })).toThrow(/unknown view/);
  });

  it("tolerantColumns names the avg and stddev outputs", () => {
    expect(tolerantColumns({ aggViews: [v], entityRows, features: ["orders:*"], fullNames: true })).toEqual(["orders__n_avg"]);
  });
});

describe("aggregateMismatches", () => {
  const want: PitResult = { columns: ["id", "c", "a"], rows: [{ id: 1n, c: 2n, a: 0.5 }] };
  const close = 0.5 + 2 ** -40; // 9.1e-13 away
  const got = (c: Value, a: Value): PitResult => ({ columns: ["id", "c", "a"], rows: [{ id: 1n, c, a }] });

  it("tolerant columns allow 1e-9 relative or 1e-12 absolute, the others must be exact and of the same type", () => {
    expect(aggregateMismatches(got(2n, close), want, ["a"])).toEqual([]);
    expect(aggregateMismatches(got(2n, close), want, [])).toEqual([`row 0 column a: got ${close}, want 0.5`]);
    expect(aggregateMismatches(got(2n, 0.5 * (1 + 1e-8)), want, ["a"])).toHaveLength(1);
    expect(aggregateMismatches(got(2, 0.5), want)).toEqual(["row 0 column c: got 2, want 2n"]);
    expect(
      aggregateMismatches({ ...want, rows: [{ id: 1n, c: 2n, a: 5e-13 }] }, { ...want, rows: [{ id: 1n, c: 2n, a: 0 }] }, ["a"]),
    ).toEqual([]);
    expect(aggregateMismatches(got(null, 0.5), want)).toHaveLength(1);
  });

  it("-0 equals 0; row counts and columns must match", () => {
    expect(aggregateMismatches({ columns: ["x"], rows: [{ x: -0 }] }, { columns: ["x"], rows: [{ x: 0 }] })).toEqual([]);
    expect(aggregateMismatches({ columns: ["x"], rows: [] }, { columns: ["x"], rows: [{ x: 0 }] })).toEqual(["row count: got 0, want 1"]);
    expect(aggregateMismatches({ columns: ["y"], rows: [] }, { columns: ["x"], rows: [] })).toHaveLength(1);
    expect(() => expectSameAggregates(got(3n, 0.5), want)).toThrow(/1 mismatch\(es\)[\s\S]*column c: got 3n, want 2n/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties of the reference on random cases: each checks it against an independent formulation.
// ---------------------------------------------------------------------------------------------

const BUDGET = { runs: 200, minRuns: 60, seconds: 20 };

/** Every (view, aggregation, entity row) of a case. */
function* cells(views: RefAggView[], entityRows: Row[], tsColumn: string) {
  for (const v of views)
    for (const a of v.aggregations) for (const e of entityRows) yield { v, a, e, t: (e[tsColumn] ?? null) as bigint | null };
}

describe("reference properties on random cases", () => {
  it("does not depend on the order of events", () => {
    assertProperty(
      fc.property(
        aggCaseArb().chain((c) =>
          fc.tuple(
            fc.constant(c),
            fc.tuple(...c.views.map((v) => fc.shuffledSubarray(v.events, { minLength: v.events.length, maxLength: v.events.length }))),
          ),
        ),
        ([c, shuffled]) => {
          const req = toAggRequest(c);
          const other = { ...req, aggViews: req.aggViews.map((v, i) => ({ ...v, events: shuffled[i]! })) };
          expectSameAggregates(aggregateReference(other), aggregateReference(req), tolerantColumns(req));
        },
      ),
      BUDGET,
    );
  });

  it("aggregateAt gives what aggregateReference gives, row by row", () => {
    assertProperty(
      fc.property(aggCaseArb(), (c) => {
        const req = toAggRequest(c);
        const r = aggregateReference({ ...req, features: c.views.map((v) => `${v.name}:*`) });
        req.aggViews.forEach((v) => {
          c.entityRows.forEach((e, i) => {
            const got = aggregateAt(v, e, (e[c.timestampColumn] ?? null) as bigint | null);
            for (const a of v.aggregations) expect(got[a.name]).toBe(r.rows[i]![c.fullNames ? `${v.name}__${a.name}` : a.name]);
          });
        });
      }),
      BUDGET,
    );
  });

  it("a window [T − w, T) is the lifetime before T minus the lifetime before T − w (count and sum)", () => {
    assertProperty(
      fc.property(aggCaseArb(), (c) => {
        for (const { v, a, e, t } of cells(toAggViews(c), c.entityRows, c.timestampColumn)) {
          if (t === null || a.windowMicros === null) continue;
          if (a.function !== "count" && a.function !== "sum") continue;
          const life = { ...a, windowMicros: null };
          const asNum = (x: Value): bigint | number => (x === null ? (a.columnType === "float64" ? 0 : 0n) : (x as bigint | number));
          const whole = asNum(aggregateValue(v, life, e, t));
          const before = asNum(aggregateValue(v, life, e, t - a.windowMicros));
          const got = aggregateValue(v, a, e, t);
          // float sums are exact (the values are multiples of 1/4), so the difference is too
          const want = typeof whole === "bigint" ? whole - (before as bigint) : whole - (before as number);
          expect(asNum(got)).toBe(want);
          if (a.function === "sum" && got === null) expect(aggregateValue(v, { ...a, function: "count" }, e, t)).toBe(0n);
        }
      }),
      BUDGET,
    );
  });

  it("functions agree with each other: count(c) <= count(*), min <= last <= max, avg = sum / count, 0 <= stddev <= (max − min) / 2", () => {
    assertProperty(
      fc.property(aggCaseArb(), (c) => {
        for (const { v, a, e, t } of cells(toAggViews(c), c.entityRows, c.timestampColumn)) {
          if (a.column === null) continue;
          const sib = (fn: AggFunction): Value => aggregateValue(v, { ...a, function: fn }, e, t);
          const n = sib("count") as bigint;
          expect(n).toBeLessThanOrEqual(aggregateValue(v, { ...a, function: "count", column: null, columnType: null }, e, t) as bigint);
          expect(sib("count_distinct") as bigint).toBeLessThanOrEqual(n);
          const [min, max, last] = [sib("min"), sib("max"), sib("last")];
          if (n === 0n) {
            expect([min, max, last]).toEqual([null, null, null]);
            continue;
          }
          expect(compareValues(min, last)).toBeLessThanOrEqual(0);
          expect(compareValues(last, max)).toBeLessThanOrEqual(0);
          expect(last).toEqual(lastBySorting(v, a, e, t));
          if (a.columnType === "int64" || a.columnType === "float64") {
            const sum = Number(sib("sum"));
            const avg = sib("avg") as number;
            expect(Math.abs(avg - sum / Number(n))).toBeLessThanOrEqual(1e-12 * Math.abs(avg));
            const sd = sib("stddev") as number;
            expect(sd).toBeGreaterThanOrEqual(0);
            const spread = Number(max) - Number(min);
            expect(sd).toBeLessThanOrEqual(spread / 2 + 1e-9 * Math.max(Math.abs(Number(max)), Math.abs(Number(min))) + 1e-12);
          }
        }
      }),
      BUDGET,
    );
  });
});

/** `last` the other way: sort the window's non-NULL values by (ts, created NULL lowest, value) descending, take the first. */
function lastBySorting(v: RefAggView, a: RefAggregation, e: Row, t: bigint | null): Value {
  const col = a.column!;
  const sortCols = [v.timestampColumn, ...(v.createdColumn === null ? [] : [v.createdColumn]), col];
  const rows = windowEvents(v, a, e, t).filter((r) => (r[col] ?? null) !== null);
  rows.sort((x, y) => {
    for (const s of sortCols) {
      const d = compareValues(y[s] ?? null, x[s] ?? null);
      if (d !== 0) return d;
    }
    return 0;
  });
  return rows.length === 0 ? null : (rows[0]![col] ?? null);
}
