/**
 * The row-shaped read (`getOnlineFeatures`) makes little garbage: its event time texts are made in
 * one piece (`isoMicros`) and `toRows` makes only what the answer holds. What a read allocates is
 * what sets how often a young-generation collection lands inside one (its p99, BENCHMARKS.md,
 * "online-agg"). The texts and rows are checked against the general formatter first; the heap per
 * call is measured on the built client (dist/, `npm run build` first) in a fresh process whose
 * young generation is large enough that nothing is collected while measuring.
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoMicros } from "../src/client/index.js";
import { makePlan, toRows } from "../src/client/columns.js";
import type { DecodedRead } from "../src/client/columns.js";
import type { FeatureColumn, FeatureStatus } from "../src/client/types.js";
import { NO_EVENT } from "../src/online/aggregation-state.js";
import { formatTimestamp } from "../src/timestamps.js";
import type { ViewLayout } from "../src/online/layout.js";
import { assertProperty } from "./helpers/property.js";

const general = (micros: bigint): string => formatTimestamp(micros).replace(" ", "T") + "Z";

describe("isoMicros", () => {
  it("gives the general formatter's text for every fraction length, sign and year", () => {
    const cases = [
      0n,
      -1n,
      1n,
      10n,
      120_000n,
      999_999n,
      1_000_000n,
      -1_000_000n,
      1_767_225_600_000_000n,
      1_767_225_600_100_000n,
      1_767_225_600_120_000n,
      1_767_225_600_123_000n,
      1_767_225_600_123_400n,
      1_767_225_600_123_450n,
      1_767_225_600_123_456n,
      1_767_225_599_999_999n,
      253_402_300_799_999_999n, // 9999-12-31T23:59:59.999999Z
      -62_167_219_200_000_000n, // 0000-01-01T00:00:00Z
      2n ** 53n - 1n,
      -(2n ** 53n) + 1n,
    ];
    for (const c of cases) expect(isoMicros(c), String(c)).toBe(general(c));
    // The same time twice in a row (the cached last text), then another.
    expect(isoMicros(1_767_225_600_123_456n)).toBe("2026-01-01T00:00:00.123456Z");
    expect(isoMicros(1_767_225_600_123_456n)).toBe("2026-01-01T00:00:00.123456Z");
    expect(isoMicros(1_767_225_600_000_000n)).toBe("2026-01-01T00:00:00Z");
    assertProperty(
      fc.property(
        fc.bigInt({ min: -62_167_219_200_000_000n, max: 253_402_300_799_999_999n }),
        fc.integer({ min: 0, max: 6 }),
        (t, zeros) => {
          const m = (t / 10n ** BigInt(zeros)) * 10n ** BigInt(zeros);
          expect(isoMicros(m)).toBe(general(m));
        },
      ),
      { runs: 5000, minRuns: 500, seconds: 20 },
    );
  });
});

describe("toRows", () => {
  it("gives each feature its view's event time: null where NOT_FOUND or NO_EVENT, beyond 2^53 µs exact", () => {
    const layout = (features: [string, string][]): ViewLayout => ({ features, ttlSeconds: null }) as unknown as ViewLayout;
    const plan = makePlan(
      [
        { view: "a", feature: "x", name: "x" },
        { view: "b", feature: "y", name: "y" },
        { view: "a", feature: "z", name: "z" },
      ],
      ["a", "b"],
      [1, 2],
      [
        layout([
          ["x", "float64"],
          ["z", "int64"],
        ]),
        layout([["y", "string"]]),
      ],
    );
    const far = 2n ** 60n + 123n; // year 38,505: beyond the doubles' exact range and the fast path's years
    const stamps = [new BigInt64Array([1_767_225_600_000_001n, NO_EVENT, far, 0n]), new BigInt64Array([-1n, 5n, 5n, NO_EVENT])];
    const status = (...s: FeatureStatus[]): FeatureStatus[] => s;
    const columns: FeatureColumn[] = [
      {
        values: new Float64Array([1.5, 2, 3, NaN]),
        statuses: status("PRESENT", "PRESENT", "NULL_VALUE", "NOT_FOUND"),
        eventMicros: stamps[0]!,
      },
      { values: ["p", null, "r", "s"], statuses: status("PRESENT", "NOT_FOUND", "BEFORE_STATE", "PRESENT"), eventMicros: stamps[1]! },
      {
        values: new BigInt64Array([7n, 8n, 9n, 0n]),
        statuses: status("PRESENT", "PRESENT", "PRESENT", "NOT_FOUND"),
        eventMicros: stamps[0]!,
      },
    ] as FeatureColumn[];
    const read: DecodedRead = { rowCount: 4, columns, stamps };
    const entityRows = [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }];
    const rows = toRows<Record<string, unknown>>(entityRows, plan, read);
    expect(rows.map((r) => r.entity)).toEqual(entityRows);
    expect(rows.map((r) => Object.keys(r.features))).toEqual([
      ["x", "y", "z"],
      ["x", "y", "z"],
      ["x", "y", "z"],
      ["x", "y", "z"],
    ]);
    const farText = general(far);
    expect(rows.map((r) => r.features)).toStrictEqual([
      {
        x: { value: 1.5, eventTimestamp: "2026-01-01T00:00:00.000001Z", status: "PRESENT" },
        y: { value: "p", eventTimestamp: "1969-12-31T23:59:59.999999Z", status: "PRESENT" },
        z: { value: 7n, eventTimestamp: "2026-01-01T00:00:00.000001Z", status: "PRESENT" },
      },
      {
        x: { value: 2, eventTimestamp: null, status: "PRESENT" },
        y: { value: null, eventTimestamp: null, status: "NOT_FOUND" },
        z: { value: 8n, eventTimestamp: null, status: "PRESENT" },
      },
      {
        x: { value: null, eventTimestamp: farText, status: "NULL_VALUE" },
        y: { value: null, eventTimestamp: "1970-01-01T00:00:00.000005Z", status: "BEFORE_STATE" },
        z: { value: 9n, eventTimestamp: farText, status: "PRESENT" },
      },
      {
        x: { value: null, eventTimestamp: null, status: "NOT_FOUND" },
        y: { value: "s", eventTimestamp: null, status: "PRESENT" },
        z: { value: null, eventTimestamp: null, status: "NOT_FOUND" },
      },
    ]);
    // Features of one row are distinct objects; rows do not share features objects with the plan.
    expect(rows[0]!.features).not.toBe(plan.template);
    expect(rows[0]!.features.x).not.toBe(rows[0]!.features.z);
  });
});

/** Heap bytes per call of the built client's `isoMicros` and of `toRows` on 100 rows of 9 features (as the benchmark's view). */
function measureHeap(): { iso: number; rows: number } {
  const dist = path.resolve("dist/client");
  const script = path.resolve(`.client-rows-allocation-${process.pid}-${Math.floor(Math.random() * 1e9)}.mjs`);
  writeFileSync(
    script,
    `
import v8 from "node:v8";
const { isoMicros } = await import(${JSON.stringify(`${dist}/iso-micros.js`)});
const { makePlan, toRows } = await import(${JSON.stringify(`${dist}/columns.js`)});
const heapPer = (f, calls) => {
  for (let i = 0; i < 20000; i++) f(i);
  const per = [];
  for (let rep = 0; rep < 7; rep++) {
    const h0 = v8.getHeapStatistics().used_heap_size;
    for (let i = 0; i < calls; i++) f(i);
    per.push((v8.getHeapStatistics().used_heap_size - h0) / calls);
  }
  const ok = per.filter((x) => x >= 0).sort((a, b) => a - b);
  return ok[ok.length >> 1];
};
const n = 100;
const names = ["count_1d", "sum_1d", "avg_1d", "count_7d", "sum_7d", "avg_7d", "count_30d", "sum_30d", "avg_30d"];
const types = names.map((x) => (x.startsWith("count") ? "int64" : "float64"));
const layout = { features: names.map((x, i) => [x, types[i]]), ttlSeconds: null };
const plan = makePlan(names.map((x) => ({ view: "v", feature: x, name: x })), ["v"], [1], [layout]);
const stamps = [new BigInt64Array(n)];
for (let r = 0; r < n; r++) stamps[0][r] = 1767225600000000n - BigInt(r) * 7777777n - 123457n;
const columns = names.map((x, k) => {
  const values = types[k] === "int64" ? new BigInt64Array(n) : new Float64Array(n);
  for (let r = 0; r < n; r++) values[r] = types[k] === "int64" ? BigInt(r + 3) : r * 1.37;
  return { values, statuses: new Array(n).fill("PRESENT"), eventMicros: stamps[0] };
});
const read = { rowCount: n, columns, stamps };
const entityRows = Array.from({ length: n }, (_, i) => ({ customer_id: i }));
let sink;
const times = Array.from(stamps[0]); // bigints made once, so the loop measures the texts alone
const iso = heapPer((i) => (sink = isoMicros(times[i % n])), 10000);
const rows = heapPer(() => (sink = toRows(entityRows, plan, read)), 200);
console.log(JSON.stringify({ iso, rows, sink: sink.length }));
`,
  );
  try {
    const run = spawnSync(process.execPath, ["--max-semi-space-size=256", "--min-semi-space-size=256", script], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    return JSON.parse(run.stdout.trim().split("\n").pop()!) as { iso: number; rows: number };
  } finally {
    rmSync(script, { force: true });
  }
}

describe("the row read's garbage", () => {
  it("is one string per event time text, and under 100 KB for 100 rows of 9 features", () => {
    const { iso, rows } = measureHeap();
    // One string of 27 characters is 48 B, and the time as a double 16 B (with the pieces of a template: about 320 B).
    expect(iso).toBeLessThanOrEqual(80);
    // About 870 B per row: the row, its features object, 9 values with their boxes, one text (was 1,440 B per row).
    expect(rows).toBeLessThanOrEqual(100_000);
  });
});
