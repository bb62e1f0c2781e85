import { describe, expect, it } from "vitest";
import { compareValues, durationMicros, isoFromMicros, keyEquals, micros, pointInTimeJoin, toArrays } from "./pit-reference.js";
import type { RefView, Row } from "./pit-reference.js";

const H = 3_600_000_000n; // one hour in micros
const T0 = micros("2024-01-01 00:00:00");
const at = (hours: number, extraMicros = 0n): bigint => T0 + BigInt(hours) * H + extraMicros;

function view(partial: Partial<RefView> & Pick<RefView, "rows">): RefView {
  return {
    name: "v",
    joinKeys: ["id"],
    ttlMicros: null,
    features: ["x"],
    ...partial,
  };
}

/** Runs the reference with one view and returns the column `x` of each output row. */
function xs(v: RefView, entities: Row[], features: string[] = ["v:x"]): unknown[] {
  return pointInTimeJoin({ views: [v], entityRows: entities, features }).rows.map((r) => r.x);
}

describe("helpers", () => {
  it("parses and prints timestamps", () => {
    expect(micros("1970-01-01 00:00:00")).toBe(0n);
    expect(micros("1970-01-01T00:00:01.5")).toBe(1_500_000n);
    expect(micros("2024-01-01 00:00:00.000001")).toBe(1_704_067_200_000_001n);
    expect(isoFromMicros(1_704_067_200_000_001n)).toBe("2024-01-01 00:00:00.000001");
    expect(isoFromMicros(-1n)).toBe("1969-12-31 23:59:59.999999");
    expect(micros(isoFromMicros(-1n))).toBe(-1n);
  });
  it("parses durations", () => {
    expect(durationMicros("3600s")).toBe(H);
    expect(durationMicros("2d")).toBe(48n * H);
    expect(durationMicros("1w")).toBe(168n * H);
    expect(durationMicros("90m")).toBe((3n * H) / 2n);
  });
  it("compares keys by value, NULL never equal", () => {
    expect(keyEquals(1n, 1n)).toBe(true);
    expect(keyEquals(1n, 1)).toBe(true);
    expect(keyEquals("1", 1n)).toBe(false);
    expect(keyEquals(null, null)).toBe(false);
    expect(keyEquals(9007199254740993n, 9007199254740992n)).toBe(false);
    // 9007199254740993 is not representable as a number; the number literal is ...992
    expect(keyEquals(9007199254740993n, Number(9007199254740993n))).toBe(false);
  });
  it("orders values: NULL lowest, NaN greatest, UTF-8 bytes, false < true", () => {
    expect(compareValues(null, -Infinity)).toBeLessThan(0);
    expect(compareValues(NaN, Infinity)).toBeGreaterThan(0);
    expect(compareValues(NaN, NaN)).toBe(0);
    expect(compareValues(9007199254740993n, 9007199254740992n)).toBeGreaterThan(0);
    expect(compareValues(-5n, 3n)).toBeLessThan(0);
    expect(compareValues(false, true)).toBeLessThan(0);
    expect(compareValues("Z", "a")).toBeLessThan(0);
    // U+FF21 (3 UTF-8 bytes, EF BC A1) vs U+1F600 (4 bytes, F0 9F 98 80): UTF-16 order says
    // "\u{1F600}" < "\uFF21" (D83D < FF21), UTF-8 byte order says the opposite.
    expect("\u{1F600}" < "\uFF21").toBe(true);
    expect(compareValues("\u{1F600}", "\uFF21")).toBeGreaterThan(0);
    expect(compareValues("ab", "a")).toBeGreaterThan(0);
    expect(compareValues(1.5, 2n)).toBeLessThan(0);
    expect(compareValues(-1.5, -2n)).toBeGreaterThan(0);
  });
});

describe("ttl bounds are inclusive", () => {
  const v = view({
    ttlMicros: 2n * H,
    rows: [{ id: 1n, ts: at(1), x: 10n }],
  });
  it("row exactly at T - ttl is a candidate", () => {
    expect(xs(v, [{ id: 1n, event_timestamp: at(3) }])).toEqual([10n]);
  });
  it("row 1µs before T - ttl is not", () => {
    expect(xs(v, [{ id: 1n, event_timestamp: at(3, 1n) }])).toEqual([null]);
  });
  it("row exactly at T is a candidate", () => {
    expect(xs(v, [{ id: 1n, event_timestamp: at(1) }])).toEqual([10n]);
  });
  it("row 1µs after T is not", () => {
    expect(xs(v, [{ id: 1n, event_timestamp: at(1, -1n) }])).toEqual([null]);
  });
  it("ttl 0 keeps only rows exactly at T", () => {
    const z = view({ ttlMicros: 0n, rows: [{ id: 1n, ts: at(1), x: 10n }] });
    expect(
      xs(z, [
        { id: 1n, event_timestamp: at(1) },
        { id: 1n, event_timestamp: at(1, 1n) },
      ]),
    ).toEqual([10n, null]);
  });
  it("an expired newer row does not fall back to an older row and vice versa", () => {
    const w = view({
      ttlMicros: H,
      rows: [
        { id: 1n, ts: at(0), x: 1n },
        { id: 1n, ts: at(2), x: 2n },
      ],
    });
    // T = 1.5h: newest row <= T is at 0h, which is outside ttl → NULL
    expect(xs(w, [{ id: 1n, event_timestamp: at(1, H / 2n) }])).toEqual([null]);
    // T = 3h: row at 2h is inside ttl
    expect(xs(w, [{ id: 1n, event_timestamp: at(3) }])).toEqual([2n]);
    // T = 3h + 1µs: row at 2h just expired; the older row is older still → NULL
    expect(xs(w, [{ id: 1n, event_timestamp: at(3, 1n) }])).toEqual([null]);
  });
  it("no ttl: any older row qualifies", () => {
    const w = view({ rows: [{ id: 1n, ts: at(-1000), x: 1n }] });
    expect(xs(w, [{ id: 1n, event_timestamp: at(1000) }])).toEqual([1n]);
  });
});

describe("choosing among candidates", () => {
  it("greatest ts wins regardless of row order", () => {
    const v = view({
      rows: [
        { id: 1n, ts: at(2), x: 2n },
        { id: 1n, ts: at(3), x: 3n },
        { id: 1n, ts: at(1), x: 1n },
      ],
    });
    expect(
      xs(v, [
        { id: 1n, event_timestamp: at(5) },
        { id: 1n, event_timestamp: at(2) },
      ]),
    ).toEqual([3n, 2n]);
  });
  it("ties on ts are broken by greatest created", () => {
    const v = view({
      rows: [
        { id: 1n, ts: at(1), created: at(5), x: 5n },
        { id: 1n, ts: at(1), created: at(7), x: 7n },
        { id: 1n, ts: at(1), created: at(6), x: 6n },
      ],
    });
    expect(xs(v, [{ id: 1n, event_timestamp: at(1) }])).toEqual([7n]);
  });
  it("created may be later than T (only ts is bounded)", () => {
    const v = view({
      rows: [
        { id: 1n, ts: at(1), created: at(0), x: 0n },
        { id: 1n, ts: at(1), created: at(99), x: 99n },
      ],
    });
    expect(xs(v, [{ id: 1n, event_timestamp: at(1) }])).toEqual([99n]);
  });
  it("NULL created sorts lowest", () => {
    const v = view({
      rows: [
        { id: 1n, ts: at(1), created: null, x: 100n },
        { id: 1n, ts: at(1), created: at(-50), x: 1n },
        { id: 1n, ts: at(1), created: null, x: 200n },
      ],
    });
    expect(xs(v, [{ id: 1n, event_timestamp: at(2) }])).toEqual([1n]);
  });
  it("all-NULL created ties fall to the feature-value tie-break", () => {
    const v = view({
      rows: [
        { id: 1n, ts: at(1), created: null, x: 100n },
        { id: 1n, ts: at(1), created: null, x: 200n },
      ],
    });
    expect(xs(v, [{ id: 1n, event_timestamp: at(2) }])).toEqual([200n]);
  });
  it("created does not beat a greater ts", () => {
    const v = view({
      rows: [
        { id: 1n, ts: at(2), created: null, x: 2n },
        { id: 1n, ts: at(1), created: at(100), x: 1n },
      ],
    });
    expect(xs(v, [{ id: 1n, event_timestamp: at(3) }])).toEqual([2n]);
  });
  it("exact duplicates on (keys, ts, created): greatest values in declared order, NULL lowest", () => {
    const v = view({
      features: ["a", "b"],
      rows: [
        { id: 1n, ts: at(1), created: at(1), a: 1n, b: "z" },
        { id: 1n, ts: at(1), created: at(1), a: 2n, b: null },
        { id: 1n, ts: at(1), created: at(1), a: 2n, b: "b" },
        { id: 1n, ts: at(1), created: at(1), a: null, b: "zz" },
      ],
    });
    const r = pointInTimeJoin({ views: [v], entityRows: [{ id: 1n, event_timestamp: at(1) }], features: ["v:b", "v:a"] });
    expect(toArrays(r)).toEqual([[1n, at(1), "b", 2n]]);
  });
  it("tie-break uses all declared features even when only some are requested", () => {
    const v = view({
      features: ["a", "b"],
      rows: [
        { id: 1n, ts: at(1), a: 1n, b: "y" },
        { id: 1n, ts: at(1), a: 2n, b: "x" },
      ],
    });
    const r = pointInTimeJoin({ views: [v], entityRows: [{ id: 1n, event_timestamp: at(1) }], features: ["v:b"] });
    expect(r.rows[0]!.b).toBe("x");
  });
  it("tie-break: NaN greatest among floats, true over false, UTF-8 byte order", () => {
    const f = view({
      features: ["x"],
      rows: [
        { id: 1n, ts: at(1), x: Infinity },
        { id: 1n, ts: at(1), x: NaN },
        { id: 1n, ts: at(1), x: null },
      ],
    });
    expect(xs(f, [{ id: 1n, event_timestamp: at(1) }])).toEqual([NaN]);
    const b = view({
      rows: [
        { id: 1n, ts: at(1), x: false },
        { id: 1n, ts: at(1), x: true },
        { id: 1n, ts: at(1), x: null },
      ],
    });
    expect(xs(b, [{ id: 1n, event_timestamp: at(1) }])).toEqual([true]);
    const s = view({
      rows: [
        { id: 1n, ts: at(1), x: "\uFF21" },
        { id: 1n, ts: at(1), x: "\u{1F600}" },
      ],
    });
    expect(xs(s, [{ id: 1n, event_timestamp: at(1) }])).toEqual(["\u{1F600}"]);
  });
  it("rows with NULL ts never match", () => {
    const v = view({
      rows: [
        { id: 1n, ts: null, x: 99n },
        { id: 1n, ts: at(0), x: 1n },
      ],
    });
    expect(xs(v, [{ id: 1n, event_timestamp: at(5) }])).toEqual([1n]);
  });
  it("a source without created timestamp column", () => {
    const v = view({
      createdColumn: null,
      timestampColumn: "event_timestamp",
      rows: [
        { id: 1n, event_timestamp: at(1), created: at(100), x: 1n },
        { id: 1n, event_timestamp: at(1), created: at(0), x: 2n },
      ],
    });
    // 'created' is just a column here; it must not break the tie
    expect(xs(v, [{ id: 1n, event_timestamp: at(1) }])).toEqual([2n]);
  });
});

describe("keys", () => {
  it("composite keys compare by all parts: (1,23) is not (12,3)", () => {
    const v = view({
      joinKeys: ["a", "b"],
      rows: [
        { a: 1n, b: 23n, ts: at(0), x: 123n },
        { a: 12n, b: 3n, ts: at(0), x: 1203n },
      ],
    });
    expect(
      xs(v, [
        { a: 12n, b: 3n, event_timestamp: at(1) },
        { a: 1n, b: 23n, event_timestamp: at(1) },
        { a: 1n, b: 3n, event_timestamp: at(1) },
      ]),
    ).toEqual([1203n, 123n, null]);
  });
  it("string composite keys: ('a','b|c') is not ('a|b','c')", () => {
    const v = view({
      joinKeys: ["a", "b"],
      rows: [
        { a: "a", b: "b|c", ts: at(0), x: 1n },
        { a: "a|b", b: "c", ts: at(0), x: 2n },
        { a: "ab", b: "c", ts: at(0), x: 3n },
      ],
    });
    expect(
      xs(v, [
        { a: "a|b", b: "c", event_timestamp: at(1) },
        { a: "a", b: "b|c", event_timestamp: at(1) },
        { a: "a", b: "bc", event_timestamp: at(1) },
      ]),
    ).toEqual([2n, 1n, null]);
  });
  it("64-bit ids beyond 2^53 are exact", () => {
    const v = view({
      rows: [
        { id: 9007199254740992n, ts: at(0), x: 9007199254740992n },
        { id: 9007199254740993n, ts: at(0), x: 9007199254740993n },
      ],
    });
    const r = pointInTimeJoin({
      views: [v],
      entityRows: [
        { id: 9007199254740993n, event_timestamp: at(1) },
        { id: 9007199254740992n, event_timestamp: at(1) },
        { id: 9223372036854775807n, event_timestamp: at(1) },
      ],
      features: ["v:x"],
    });
    expect(toArrays(r)).toEqual([
      [9007199254740993n, at(1), 9007199254740993n],
      [9007199254740992n, at(1), 9007199254740992n],
      [9223372036854775807n, at(1), null],
    ]);
  });
  it("NULL keys never match (not even NULL view keys)", () => {
    const v = view({
      joinKeys: ["a", "b"],
      rows: [
        { a: null, b: 1n, ts: at(0), x: 1n },
        { a: 1n, b: 1n, ts: at(0), x: 2n },
      ],
    });
    expect(
      xs(v, [
        { a: null, b: 1n, event_timestamp: at(1) },
        { a: 1n, b: null, event_timestamp: at(1) },
        { a: 1n, b: 1n, event_timestamp: at(1) },
      ]),
    ).toEqual([null, null, 2n]);
  });
  it("unknown keys give NULL", () => {
    const v = view({ rows: [{ id: 1n, ts: at(0), x: 1n }] });
    expect(xs(v, [{ id: 2n, event_timestamp: at(1) }])).toEqual([null]);
  });
});

describe("output shape", () => {
  const v = view({
    features: ["x", "y"],
    rows: [
      { id: 1n, ts: at(1), x: 1n, y: "one" },
      { id: 1n, ts: at(2), x: null, y: "two" },
      { id: 2n, ts: at(1), x: 20n, y: null },
    ],
  });
  it("entity rows before any feature row get NULL", () => {
    expect(xs(v, [{ id: 1n, event_timestamp: at(0) }])).toEqual([null]);
  });
  it("duplicate entity rows are kept, input order kept, all columns unchanged", () => {
    const entities: Row[] = [
      { label: "c", id: 2n, event_timestamp: at(5) },
      { label: "a", id: 1n, event_timestamp: at(1) },
      { label: "a", id: 1n, event_timestamp: at(1) },
      { label: "b", id: 1n, event_timestamp: at(0) },
      { label: "a", id: 1n, event_timestamp: at(1) },
    ];
    const r = pointInTimeJoin({ views: [v], entityRows: entities, features: ["v:y", "v:x"] });
    expect(r.columns).toEqual(["label", "id", "event_timestamp", "y", "x"]);
    expect(toArrays(r)).toEqual([
      ["c", 2n, at(5), null, 20n],
      ["a", 1n, at(1), "one", 1n],
      ["a", 1n, at(1), "one", 1n],
      ["b", 1n, at(0), null, null],
      ["a", 1n, at(1), "one", 1n],
    ]);
  });
  it("a NULL value of the chosen row stays NULL (never filled from an older row)", () => {
    const r = pointInTimeJoin({ views: [v], entityRows: [{ id: 1n, event_timestamp: at(3) }], features: ["v:*"] });
    expect(toArrays(r)).toEqual([[1n, at(3), null, "two"]]);
  });
  it("view:* expands in declared order; fullNames prefixes view__", () => {
    const r = pointInTimeJoin({
      views: [v],
      entityRows: [{ id: 2n, event_timestamp: at(1) }],
      features: ["v:*"],
      fullNames: true,
    });
    expect(r.columns).toEqual(["id", "event_timestamp", "v__x", "v__y"]);
    expect(toArrays(r)).toEqual([[2n, at(1), 20n, null]]);
  });
  it("a custom entity timestamp column", () => {
    const r = pointInTimeJoin({
      views: [v],
      entityRows: [{ id: 1n, t: at(1), event_timestamp: at(0) }],
      features: ["v:x"],
      timestampColumn: "t",
    });
    expect(toArrays(r)).toEqual([[1n, at(1), at(0), 1n]]);
  });
  it("a NULL entity timestamp matches nothing", () => {
    expect(xs(v, [{ id: 1n, event_timestamp: null }])).toEqual([null]);
  });
  it("several views with different keys and ttls", () => {
    const w: RefView = {
      name: "w",
      joinKeys: ["a", "b"],
      ttlMicros: H,
      features: ["z"],
      timestampColumn: "event_timestamp",
      createdColumn: null,
      rows: [
        { a: "p", b: 1n, event_timestamp: at(0), z: 0.5 },
        { a: "p", b: 1n, event_timestamp: at(2), z: 2.5 },
      ],
    };
    const r = pointInTimeJoin({
      views: [v, w],
      entityRows: [
        { id: 1n, a: "p", b: 1n, event_timestamp: at(1) },
        { id: 1n, a: "p", b: 1n, event_timestamp: at(2) },
        { id: 2n, a: "p", b: 1n, event_timestamp: at(3, 1n) },
      ],
      features: ["w:z", "v:x"],
    });
    expect(toArrays(r)).toEqual([
      [1n, "p", 1n, at(1), 0.5, 1n],
      [1n, "p", 1n, at(2), 2.5, null],
      [2n, "p", 1n, at(3, 1n), null, 20n],
    ]);
  });
  it("a name clash without fullNames is an error", () => {
    const w: RefView = { name: "w", joinKeys: ["id"], ttlMicros: null, features: ["x"], rows: [] };
    expect(() => pointInTimeJoin({ views: [v, w], entityRows: [], features: ["v:x", "w:x"] })).toThrow(/clash/);
    expect(
      pointInTimeJoin({
        views: [v, w],
        entityRows: [],
        entityColumns: ["id", "event_timestamp"],
        features: ["v:x", "w:x"],
        fullNames: true,
      }).columns,
    ).toEqual(["id", "event_timestamp", "v__x", "w__x"]);
  });
});
