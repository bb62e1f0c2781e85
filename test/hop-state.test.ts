/**
 * Hop tiles (src/online/hop-state.ts, docs/aggregations.md "Hop") in process: a read of an entity's
 * tiles at t ≥ end equals the exact reader (src/online/aggregation-state.ts) over the same events
 * with each window widened to [floor_hop(t − w), t) — whether the events were packed together,
 * or each alone as a one-event tile (a pushed event) and the tiles concatenated in any order, so
 * tiles of one bucket merge at read; and with pushed events as `eventTile` records (each at its own
 * time, appended to the loaded tiles out of order), a read at t ≥ end counts exactly the events before
 * t of the widened windows. And the state is bounded: at most longest window / hop + 2 tiles.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventStatePacker, aggregateAt, decodeEvents } from "../src/online/aggregation-state.js";
import type { OnlineValue } from "../src/online/codec.js";
import { decodeValue, readVarint } from "../src/online/codec.js";
import { HopStatePacker, HopStateReader, floorTo, hopLayout, tileTypes } from "../src/online/hop-state.js";
import type { AggregationLayout } from "../src/online/layout.js";
import { assertProperty, testTimeout } from "./helpers/property.js";

const MIN = 60_000_000n;
const HOUR = 60n * MIN;
const DAY = 24n * HOUR;
const T0 = 1_735_689_600_000_000n; // 2025-01-01

type F = AggregationLayout["features"][number];
const f = (fn: F["function"], value: number | null, flag: number | null, window: bigint | null): F => ({
  function: fn,
  value,
  flag,
  windowMicros: window === null ? null : String(window),
});

/** Values: 0 int64, 1 float64, 2 string, 3 the filter flag; the created timestamp first. */
const EVENT_TYPES: AggregationLayout["eventTypes"] = ["timestamp", "int64", "float64", "string", "bool"];
const FINITE: F[] = [
  f("count", null, null, HOUR),
  f("count", null, 3, DAY),
  f("count", 1, null, 2n * HOUR),
  f("sum", 0, null, DAY),
  f("sum", 1, null, HOUR),
  f("avg", 1, null, DAY),
  f("stddev", 1, 3, DAY),
  f("min", 2, null, HOUR),
  f("max", 1, 3, DAY),
  f("last", 2, null, DAY),
  f("last", 0, 3, 3n * HOUR),
];
const LIFETIME: F[] = [f("count", null, null, null), f("sum", 0, 3, null), f("last", 1, null, null), f("stddev", 1, null, null)];

interface Ev {
  ts: bigint;
  values: OnlineValue[];
}

const eventArb: fc.Arbitrary<Ev> = fc
  .record({
    minute: fc.integer({ min: 0, max: 3 * 24 * 60 }),
    micro: fc.constantFrom(0n, 1n, 59_999_999n),
    created: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    i: fc.option(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), { nil: null }),
    x: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: null }),
    s: fc.option(fc.constantFrom("a", "b", "ä", "zz", "𝄞"), { nil: null }),
    flag: fc.boolean(),
  })
  .map((r) => ({
    ts: T0 + BigInt(r.minute) * MIN + r.micro,
    values: [r.created === null ? null : T0 + BigInt(r.created), r.i, r.x, r.s, r.flag],
  }));

function layoutOf(lifetime: boolean, hop: bigint, end: bigint): AggregationLayout {
  const features = lifetime ? [...FINITE, ...LIFETIME] : FINITE;
  const base: AggregationLayout = { eventTypes: EVENT_TYPES, created: true, features, stateStart: null };
  return { ...base, hop: hopLayout(base, hop, end) };
}

/** Feature k at t by the exact reader, its window widened to t − floor_hop(t − w). */
function widened(layout: AggregationLayout, events: Ev[], k: number, t: bigint, hop: bigint): OnlineValue {
  const feature = layout.features[k]!;
  const w = feature.windowMicros === null ? null : BigInt(feature.windowMicros);
  const exact: AggregationLayout = {
    eventTypes: layout.eventTypes,
    created: true,
    features: [{ ...feature, windowMicros: w === null ? null : String(t - floorTo(t - w, hop)) }],
    stateStart: null,
  };
  const packer = new EventStatePacker(exact);
  for (const e of events) packer.add(e.ts, e.values);
  return aggregateAt(exact, 0, decodeEvents(exact, packer.take()), t).value;
}

function same(got: OnlineValue | undefined, want: OnlineValue): boolean {
  if (got === undefined) return false;
  if (typeof want === "bigint" && typeof got === "number") return BigInt(got) === want;
  if (typeof got === "number" && typeof want === "number")
    return Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(got), Math.abs(want)) || Object.is(got, want);
  return got === want;
}

const BUDGET = { runs: 100, minRuns: 30, seconds: 8 };

describe("hop tiles", () => {
  it(
    "a read at t ≥ end equals the exact reader over the widened windows; one-event tiles in any order read the same",
    () => {
      assertProperty(
        fc.property(
          fc.array(eventArb, { minLength: 1, maxLength: 40 }),
          fc.constantFrom(MIN, 7n * MIN, HOUR),
          fc.boolean(),
          fc.integer({ min: 0, max: 120 }),
          fc.array(fc.integer({ min: 0, max: 2 * 24 * 60 * 60 }), { minLength: 1, maxLength: 4 }),
          fc.nat(),
          (events, hop, lifetime, afterMinutes, reads, seed) => {
            const latest = events.reduce((m, e) => (e.ts > m ? e.ts : m), 0n);
            const end = latest + 1n + BigInt(afterMinutes) * MIN;
            const layout = layoutOf(lifetime, hop, end);
            const together = new HopStatePacker(layout);
            for (const e of events) together.add(e.ts, e.values);
            const tiles = together.take();
            // Each event a tile of its own, concatenated in a shuffled order.
            const alone = new HopStatePacker(layout);
            const singles = events.map((e) => {
              alone.add(e.ts, e.values);
              return alone.take();
            });
            const order = singles.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101) || a - b);
            const concatenated = Buffer.concat(order.map((i) => singles[i]!));
            const reader = new HopStateReader(layout);
            const kept = lifetime ? events : events.filter((e) => e.ts >= BigInt(layout.hop!.tilesStart));
            for (const s of reads) {
              const t = end + BigInt(s) * 1_000_000n;
              reader.at(t);
              for (const bytes of [tiles, new Uint8Array(concatenated)]) {
                reader.read(bytes);
                for (let k = 0; k < layout.features.length; k++) {
                  const want = widened(layout, kept, k, t, hop);
                  const got = reader.finish(k);
                  expect(
                    same(got, want),
                    `feature ${k} (${layout.features[k]!.function}) at end + ${s}s, hop ${hop}: ${got} vs ${want}`,
                  ).toBe(true);
                }
              }
            }
          },
        ),
        BUDGET,
      );
    },
    testTimeout(BUDGET),
  );

  it(
    "pushed events as eventTile records (at their own time) beside the loaded tiles: a read at t ≥ end equals the exact reader over the widened windows of every event before t",
    () => {
      assertProperty(
        fc.property(
          fc.array(fc.tuple(eventArb, fc.boolean()), { minLength: 1, maxLength: 40 }),
          fc.constantFrom(MIN, 7n * MIN, HOUR),
          fc.boolean(),
          fc.integer({ min: 0, max: 2 * 24 * 60 }),
          fc.array(fc.integer({ min: 0, max: 2 * 24 * 60 * 60 }), { minLength: 1, maxLength: 4 }),
          (marked, hop, lifetime, endMinute, reads) => {
            const end = T0 + BigInt(endMinute) * MIN;
            const layout = layoutOf(lifetime, hop, end);
            // Loaded: the events before the end, packed together. Pushed: the others (and those marked), each
            // an eventTile — after the end into the push entry, before it appended to the state.
            const loaded = marked.filter(([e, pushed]) => !pushed && e.ts < end).map(([e]) => e);
            const pushed = marked.filter(([e, p]) => p || e.ts >= end).map(([e]) => e);
            const packer = new HopStatePacker(layout);
            for (const e of loaded) packer.add(e.ts, e.values);
            const state = packer.take();
            const late = pushed.filter((e) => e.ts < end).map((e) => packer.eventTile(e.ts, e.values));
            const entry = pushed.filter((e) => e.ts >= end).map((e) => packer.eventTile(e.ts, e.values));
            const bytes = new Uint8Array(Buffer.concat([state, ...late, ...entry]));
            // An eventTile is the tile of its one event (`take` over it alone), stamped with the event's time.
            const types = tileTypes(layout);
            const tile = (record: Uint8Array): ReturnType<typeof decodeValue> => {
              const [len, q] = readVarint(record, 0, "truncated");
              expect(q + len).toBe(record.length);
              return decodeValue(types, record.subarray(q));
            };
            for (const e of pushed) {
              const one = tile(packer.eventTile(e.ts, e.values));
              expect(one.ts).toBe(e.ts);
              // `take` drops an event before the first tile when no window is lifetime.
              if (!lifetime && e.ts < BigInt(layout.hop!.tilesStart)) continue;
              packer.add(e.ts, e.values);
              expect(one.values).toEqual(tile(packer.take()).values);
            }
            const kept = [...(lifetime ? loaded : loaded.filter((e) => e.ts >= BigInt(layout.hop!.tilesStart))), ...pushed];
            const reader = new HopStateReader(layout);
            for (const s of reads) {
              const t = end + BigInt(s) * 1_000_000n;
              reader.at(t);
              reader.read(bytes);
              for (let k = 0; k < layout.features.length; k++) {
                const want = widened(layout, kept, k, t, hop);
                const got = reader.finish(k);
                expect(
                  same(got, want),
                  `feature ${k} (${layout.features[k]!.function}) at end + ${s}s, hop ${hop}: ${got} vs ${want}`,
                ).toBe(true);
              }
            }
          },
        ),
        BUDGET,
      );
    },
    testTimeout(BUDGET),
  );

  it("holds at most longest window / hop + 2 tiles per entity, however many events", () => {
    const hop = HOUR;
    const end = T0 + 10n * DAY + 17n * MIN;
    for (const lifetime of [false, true]) {
      const layout = layoutOf(lifetime, hop, end);
      const packer = new HopStatePacker(layout);
      // An event every 10 minutes over ten days.
      for (let ts = T0; ts < end; ts += 10n * MIN) packer.add(ts, [null, 1n, 1.5, "a", true]);
      const reader = new HopStateReader(layout);
      const bytes = packer.take();
      let tiles = 0;
      for (let p = 0; p < bytes.length; tiles++) {
        let len = 0;
        for (let shift = 0; ; shift += 7) {
          const b = bytes[p++]!;
          len += (b & 0x7f) * 2 ** shift;
          if (b < 0x80) break;
        }
        p += len;
      }
      expect(tiles).toBeLessThanOrEqual(Number(DAY / hop) + 2);
      expect(tiles).toBe(Number(DAY / hop) + 1 + (lifetime ? 1 : 0));
      reader.at(end);
      reader.read(bytes);
      expect(reader.finish(0)).toBe(6 * 1 + 2); // count 1h: [floor(end − 1h), end) = 1h17m, events every 10 min
    }
  });

  it("a read before the end inside a tile, or a window before the first tile, is BEFORE_STATE (undefined)", () => {
    const end = T0 + DAY + 30n * MIN;
    const layout = layoutOf(false, HOUR, end);
    const packer = new HopStatePacker(layout);
    packer.add(T0 + DAY + 10n * MIN, [null, 1n, 1.5, "a", true]);
    packer.add(T0 + DAY + 20n * MIN, [null, 1n, 1.5, "a", true]);
    const reader = new HopStateReader(layout);
    const bytes = packer.take();
    reader.at(T0 + DAY + 15n * MIN);
    reader.read(bytes);
    expect(reader.finish(0)).toBeUndefined();
    reader.at(T0 + DAY + 30n * MIN);
    reader.read(bytes);
    expect(reader.finish(0)).toBe(2);
    // A day window read before the end reaches before the first tile (floor_hop(end − 1d) = T0).
    reader.at(T0 + DAY - 1n);
    reader.read(bytes);
    expect(reader.finish(1)).toBeUndefined();
  });
});
