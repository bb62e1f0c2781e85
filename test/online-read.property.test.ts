/**
 * The client's decoding against a plain reference, over random layouts and values (fast-check):
 * packed values of every type (NULLs, NaN, int64 at the edges, timestamps before 1970 and beyond
 * 2^53 µs), entities missing, ttl bounds hit exactly. The rows and the columns of a read must both
 * say what docs/semantics.md ("Online") says of the original values. No store: a StoreReader over packed bytes in
 * memory, so this checks the codec and the decoding, which are the same for Redis and SQLite.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OnlineClient, isoMicros } from "../src/client/index.js";
import type { FeatureStatus } from "../src/client/index.js";
import type { StoreReader } from "../src/online/store-reader.js";
import { decodeValue, encodeValue, shortestFloat32 } from "../src/online/codec.js";
import type { OnlineValue } from "../src/online/codec.js";
import type { OnlineType, ViewLayout } from "../src/online/layout.js";
import { assertAsyncProperty, assertProperty } from "./helpers/property.js";

const TYPES: OnlineType[] = ["int32", "int64", "float32", "float64", "string", "bool", "timestamp"];
const I64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

function valueOf(t: OnlineType): fc.Arbitrary<OnlineValue> {
  const v: fc.Arbitrary<OnlineValue> = {
    int32: fc.integer(),
    int64: fc.oneof(fc.bigInt(I64), fc.constantFrom(I64.min, I64.max, 0n, 2n ** 53n + 1n, -(2n ** 53n) - 1n)),
    float32: fc.float({ noDefaultInfinity: false }).map((x) => Math.fround(x)),
    float64: fc.double(),
    string: fc.string({ unit: "grapheme", maxLength: 12 }),
    bool: fc.boolean(),
    // Timestamps the client formats: years 0001–9999 (µs), before 1970 included.
    timestamp: fc.bigInt({ min: -62135596800000000n, max: 253402300799999999n }),
  }[t];
  return fc.option(v, { nil: null, freq: 4 });
}

/** Event times: around the ttl bound of `at` (exactly on it, a µs either side), or anywhere in ±2^62 µs. */
const AT = 1767225600000000n; // 2026-01-01
interface Case {
  views: { types: OnlineType[]; ttlSeconds: number | null; rows: ({ ts: bigint; values: OnlineValue[] } | null)[] }[];
}

const caseArb: fc.Arbitrary<Case> = fc.integer({ min: 1, max: 30 }).chain((n) =>
  fc.record({
    views: fc.array(
      fc
        .record({
          types: fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 12 }),
          ttlSeconds: fc.option(fc.constantFrom(1, 3600, 86_400 * 30, 2 ** 31 - 1), { nil: null }),
        })
        .chain(({ types, ttlSeconds }) =>
          fc.record({
            types: fc.constant(types),
            ttlSeconds: fc.constant(ttlSeconds),
            rows: fc.array(
              fc.option(
                fc.record({
                  ts: fc.oneof(
                    ttlSeconds === null
                      ? fc.constant(AT)
                      : fc.constantFrom(
                          AT - BigInt(ttlSeconds) * 1_000_000n,
                          AT - BigInt(ttlSeconds) * 1_000_000n - 1n,
                          AT - BigInt(ttlSeconds) * 1_000_000n + 1n,
                        ),
                    fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
                    fc.bigInt({ min: AT - 2n ** 40n, max: AT }),
                  ),
                  values: fc.tuple(...types.map(valueOf)),
                }),
                { nil: null, freq: 5 },
              ),
              { minLength: n, maxLength: n },
            ),
          }),
        ),
      { minLength: 1, maxLength: 3 },
    ),
  }),
);

/** A store holding one version per view, values under the entity id's text. */
function memoryStore(c: Case): StoreReader {
  const layouts: ViewLayout[] = c.views.map((v, i) => ({
    view: `v${i}`,
    version: 100 + i,
    keys: ["id"],
    features: v.types.map((t, f) => [`v${i}_f${f}`, t]),
    ttlSeconds: v.ttlSeconds,
    end: "2026-01-01 00:00:00",
    loadedAt: "2026-01-01T00:00:00Z",
    rows: v.rows.length,
  }));
  const values = c.views.map((v) => new Map(v.rows.flatMap((r, e) => (r ? [[String(e), encodeValue(v.types, r.ts, r.values)]] : []))));
  return {
    where: "memory",
    projects: async () => undefined,
    read: async (views, versions, keys) => ({
      current: views.map((v) => 100 + Number(v.slice(1))),
      values: versions.map((ver, i) => (ver === undefined ? [] : keys[i]!.map((k) => values[ver - 100]!.get(k) ?? null))),
    }),
    layouts: async (versions) => versions.map((v) => layouts[v - 100]!),
    pointers: async () => new Map(c.views.map((_, i) => [`v${i}`, 100 + i])),
    pushBatch: async () => {
      throw new Error("no pushes in this test");
    },
    services: async () => ({ all: layouts.flatMap((l) => l.features.map(([f]): [string, string] => [l.view, f])) }),
    ping: async () => undefined,
    close: async () => undefined,
  };
}

/** docs/semantics.md ("Online") for one original value: what a read at AT says. */
function expected(
  row: { ts: bigint; values: OnlineValue[] } | null,
  ttlSeconds: number | null,
  f: number,
  type: OnlineType,
): { value: unknown; status: FeatureStatus; eventTimestamp: string | null } {
  if (!row) return { value: null, status: "NOT_FOUND", eventTimestamp: null };
  const eventTimestamp = isoMicros(row.ts);
  if (ttlSeconds !== null && row.ts < AT - BigInt(ttlSeconds) * 1_000_000n)
    return { value: null, status: "OUTSIDE_MAX_AGE", eventTimestamp };
  const v = row.values[f]!;
  if (v === null) return { value: null, status: "NULL_VALUE", eventTimestamp };
  const value = type === "timestamp" ? isoMicros(v as bigint) : type === "float32" ? shortestFloat32(v as number) : v;
  return { value, status: "PRESENT", eventTimestamp };
}

describe("online reads, property-based", () => {
  it("the codec gives back every value it packed", () => {
    assertProperty(
      fc.property(
        fc
          .array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 20 })
          .chain((types) => fc.record({ types: fc.constant(types), ts: fc.bigInt(I64), values: fc.tuple(...types.map(valueOf)) })),
        ({ types, ts, values }) => {
          const d = decodeValue(types, encodeValue(types, ts, values));
          expect(d.ts).toBe(ts);
          // A float32 comes back as its shortest decimal: the same float32.
          expect(d.values).toEqual(values.map((v, i) => (types[i] === "float32" && v !== null ? shortestFloat32(v as number) : v)));
          types.forEach((t, i) => t === "float32" && values[i] !== null && expect(Math.fround(d.values[i] as number)).toBe(values[i]));
        },
      ),
      { runs: 300, minRuns: 100, seconds: 20 },
    );
  });

  it("rows and columns of a read both match the reference, on every type, ttl edge and missing entity", async () => {
    await assertAsyncProperty(
      fc.asyncProperty(caseArb, async (c) => {
        const client = new OnlineClient(memoryStore(c));
        const n = c.views[0]!.rows.length;
        const entityRows = Array.from({ length: n }, (_, e) => ({ id: e }));
        const at = new Date(Number(AT / 1000n)).toISOString();
        const rows = await client.getOnlineFeatures({ service: "all", entityRows, at });
        const cols = await client.getOnlineFeatureColumns({ service: "all", entityRows, at });
        expect(cols.rowCount).toBe(n);
        c.views.forEach((v, i) =>
          v.types.forEach((type, f) => {
            const name = `v${i}_f${f}`;
            const col = cols.columns[name]!;
            for (let e = 0; e < n; e++) {
              const want = expected(v.rows[e] ?? null, v.ttlSeconds, f, type);
              expect(rows.rows[e]!.features[name]).toEqual(want);
              expect(col.statuses[e]).toBe(want.status);
              expect(col.statuses[e] === "NOT_FOUND" ? null : isoMicros(col.eventMicros[e]!)).toBe(want.eventTimestamp);
              const got = col.values[e];
              if (want.status === "PRESENT") expect(got).toEqual(want.value);
              else if (col.values instanceof Float64Array) expect(Number.isNaN(got)).toBe(true);
              else if (col.values instanceof BigInt64Array) expect(got).toBe(0n);
              else expect(got).toBeNull();
            }
          }),
        );
      }),
      { runs: 200, minRuns: 60, seconds: 40 },
    );
  });
});
