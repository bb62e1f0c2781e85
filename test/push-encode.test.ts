/**
 * The column-shaped encoding of a push (src/online/push/encode.ts) against the bytes built the
 * plain way (codec record, orderHex of BigInts): plain views' order prefix for event times and
 * created times anywhere in ±2^53 µs, aggregation records, the Date range at the edge, and the
 * EVAL's integers (src/online/resp.ts) as String() writes them. No store.
 */
import { describe, expect, it } from "vitest";
import { ValuePacker, varintSize, writeVarint } from "../src/online/codec.js";
import type { ViewLayout } from "../src/online/layout.js";
import { encodePush, entryBytes, MAX_PUSH_MICROS, pushStep } from "../src/online/push/encode.js";
import type { EncodedPush } from "../src/online/push/encode.js";
import { pushEvents } from "../src/online/push/push-events.js";
import type { StoreReader } from "../src/online/store-reader.js";
import { digits, intBulkSize, writeHeader, writeInt } from "../src/online/resp.js";

const push = {
  source: "orders",
  keys: ["customer_id"],
  timestamp: "ts",
  created: "created",
  values: [{ column: "amount", as: "value" as const }],
  filters: [],
  latenessMicros: null,
  dedupeKey: null,
};
const plain: ViewLayout = {
  view: "last_order",
  version: 3,
  keys: ["customer_id"],
  keyTypes: ["int64"],
  features: [["amount", "float64"]],
  ttlSeconds: null,
  push,
  end: "2025-01-01 00:00:00",
  loadedAt: "",
  rows: 0,
} as unknown as ViewLayout;
const agg: ViewLayout = {
  ...plain,
  view: "agg",
  features: [["total", "float64"]],
  aggregation: { eventTypes: ["timestamp", "float64"], created: true, features: [], stateStart: null },
} as unknown as ViewLayout;

const hex = (x: bigint) => (x + 2n ** 63n).toString(16).padStart(16, "0");

describe("column-shaped push encoding", () => {
  it("writes the bytes the plain way would, for event and created times across ±2^53 µs", () => {
    const times = [
      0n,
      1n,
      -1n,
      1_735_689_600_000_000n,
      -1_735_689_600_123_457n,
      MAX_PUSH_MICROS,
      -MAX_PUSH_MICROS,
      2n ** 32n,
      -(2n ** 32n),
    ];
    const rows = times.map((ts, i) => ({
      customer_id: i,
      ts,
      created: i % 3 === 0 ? null : ts - 7n,
      amount: i % 2 ? null : i + 0.25,
    }));
    const out = encodePush("orders", [agg, plain], rows, { nowMicros: null });
    expect(out.problems).toEqual([]);
    const e = out.push!;
    expect(e.n).toBe(times.length);
    expect([...e.ts]).toEqual(times.map(Number));
    const plainPacker = new ValuePacker(["float64"], 0);
    const aggPacker = new ValuePacker(["timestamp", "float64"], 0);
    rows.forEach((r, i) => {
      const packed = aggPacker.pack(r.ts, [r.created, r.amount]);
      const record = new Uint8Array(varintSize(packed.length) + packed.length);
      record.set(packed, writeVarint(record, 0, packed.length));
      expect(e.keys[2 * i]).toBe(String(i));
      expect(entryBytes(e, 2 * i)).toEqual(record);
      const order = new TextEncoder().encode(hex(r.ts) + hex(r.created ?? -(2n ** 63n)));
      expect(entryBytes(e, 2 * i + 1)).toEqual(new Uint8Array([...order, ...plainPacker.pack(r.ts, [r.amount])]));
    });
    // A step is a view of the same bytes.
    const step = pushStep(e, 2, 5);
    expect([step.n, step.keys, [...step.ts]]).toEqual([3, e.keys.slice(4, 10), times.slice(2, 5).map(Number)]);
    expect(entryBytes(step, 1)).toEqual(entryBytes(e, 5));
  });

  it("takes a Date up to 2^53 µs and refuses one a millisecond beyond, as bigint microseconds are", () => {
    const edge = Math.floor(Number(MAX_PUSH_MICROS) / 1000);
    const rows = [edge, -edge, edge + 1, -edge - 1].map((ms, i) => ({ customer_id: i, ts: new Date(ms), amount: 1 }));
    const beyond = "the event timestamp is beyond the year 2255 (or before 1684), which pushes do not take";
    expect(encodePush("orders", [plain], rows, { nowMicros: null }).problems).toEqual([
      { row: 3, column: "ts", reason: beyond },
      { row: 4, column: "ts", reason: beyond },
    ]);
    expect([...encodePush("orders", [plain], rows.slice(0, 2), { nowMicros: null }).push!.ts]).toEqual([edge * 1000, -edge * 1000]);
    expect(encodePush("orders", [plain], [{ customer_id: 1, ts: MAX_PUSH_MICROS + 1n, amount: 1 }], { nowMicros: null }).problems).toEqual([
      { row: 1, column: "ts", reason: beyond },
    ]);
  });

  it("writes RESP integers and lengths as String() does", () => {
    const xs = [
      0,
      1,
      9,
      10,
      99,
      100,
      99_999_999,
      100_000_000,
      123_456_789,
      2 ** 31 - 1,
      1_735_689_600_000_000,
      2 ** 53,
      -1,
      -10,
      -(2 ** 53),
    ];
    for (let i = 0; i < 2000; i++) xs.push(Math.floor((Math.random() * 2 - 1) * 2 ** 53));
    const buf = Buffer.alloc(64);
    for (const x of xs) {
      const p = writeInt(buf, 0, x);
      expect([buf.toString("latin1", 0, p), p]).toEqual([`$${String(x).length}\r\n${x}\r\n`, intBulkSize(x)]);
      if (x >= 0) expect(digits(x)).toBe(String(x).length);
      if (x >= 0 && x < 2 ** 31) expect(buf.toString("latin1", 0, writeHeader(buf, 0, 0x2a, x))).toBe(`*${x}\r\n`);
    }
  });

  it("after a load switches versions mid-push, applies the rest of the request once, encoded for the new version", async () => {
    let version = 3;
    const sent: { version: number; ts: number[] }[] = [];
    const store = {
      pointers: async () => new Map([[plain.view, version]]),
      layouts: async (vs: readonly number[]) => vs.map((v) => ({ ...plain, version: v })),
      pushBatch: async (b: EncodedPush) => {
        if (sent.length === 1 && version === 3) {
          version = 4; // a load switched over between the first and the second step
          return { stale: plain.view };
        }
        sent.push({ version: b.targets[0]!.version, ts: [...b.ts] });
        return { applied: [b.n], late: [0], duplicates: 0 };
      },
    } as unknown as StoreReader;
    const rows = [1, 2, 3, 4, 5].map((i) => ({ customer_id: i, ts: BigInt(i), amount: i }));
    const report = await pushEvents(store, new Map(), "orders", rows, { batchSize: 2 });
    expect(report).toEqual({ rows: 5, applied: { last_order: 5 }, late: { last_order: 0 }, duplicates: 0 });
    expect(sent).toEqual([
      { version: 3, ts: [1, 2] },
      { version: 4, ts: [3, 4] },
      { version: 4, ts: [5] },
    ]);
  });
});
