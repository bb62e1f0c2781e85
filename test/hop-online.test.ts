/**
 * Aggregation views with `hop:` online (docs/aggregations.md, "Hop"): after `materialize --end E`
 * and `load`, a read at time t equals the hop definition — each window's lower edge rounded down
 * to a multiple of the hop, [floor_hop(t − w), t) — over the events before E, on every online
 * store; BEFORE_STATE where the tiles cannot answer (a window starting before the first tile, or a
 * read before E inside a tile). Compared with the in-memory reference's hop definition
 * (test/reference/agg-reference.ts, hopAggregateValue) on random cases.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createOnlineClient, isoMicros } from "../src/client/index.js";
import { load, materialize } from "../src/index.js";
import { createAggTables, writeAggProject } from "./helpers/aggregation-project.js";
import { STORE_TYPES, TEST_STORES } from "./helpers/online-stores.js";
import { assertAsyncProperty, testTimeout } from "./helpers/property.js";
import type { PropertyBudget } from "./helpers/property.js";
import { TEST_TARGETS, closeTestTargets } from "./helpers/targets.js";
import { aggCaseArb, toAggViews } from "./reference/agg-arbitraries.js";
import type { GenAggCase } from "./reference/agg-arbitraries.js";
import { sameOnlineValue, floorToHop, hopAggregateValue, windowEvents } from "./reference/agg-reference.js";
import type { RefAggView } from "./reference/agg-reference.js";
import { removeDir, show } from "./reference/duckdb-harness.js";
import type { Row, Value } from "./reference/pit-reference.js";

afterAll(closeTestTargets);

const MINUTE = 60_000_000n;
const HOUR = 60n * MINUTE;
const HOPS: [text: string, micros: bigint][] = [
  ["30s", MINUTE / 2n],
  ["1m", MINUTE],
  ["7m", 7n * MINUTE],
  ["1h", HOUR],
  ["1d", 24n * HOUR],
];

/** The case with a hop on every view (at most its shortest window) and without count_distinct (refused with hop). */
function withHops(c: GenAggCase, picks: number[]): { c: GenAggCase; hops: bigint[] } | undefined {
  const hops: bigint[] = [];
  const views = c.views.map((v, i) => {
    const aggregations = v.aggregations.filter((a) => a.function !== "count_distinct");
    const finite = aggregations.flatMap((a) => (a.windowMicros === null ? [] : [a.windowMicros]));
    const shortest = finite.reduce((m, w) => (w < m ? w : m), 400n * 24n * HOUR);
    const fits = HOPS.filter(([, h]) => h <= shortest);
    const [text, micros] = fits[picks[i % picks.length]! % fits.length]!;
    hops.push(micros);
    return { ...v, aggregations, hop: text };
  });
  if (views.some((v) => v.aggregations.length === 0)) return undefined;
  return { c: { ...c, views, features: views.map((v) => `${v.name}:*`) }, hops };
}

/** What a read at `t` must give for one feature under hop `h`: the reference's hop value, or BEFORE_STATE. */
function expected(view: RefAggView, name: string, keys: Row, t: bigint, end: bigint, h: bigint): { status: string; value: Value } {
  const agg = view.aggregations.find((a) => a.name === name)!;
  const finite = view.aggregations.flatMap((a) => (a.windowMicros === null ? [] : [a.windowMicros]));
  const longest = finite.reduce((m, w) => (w > m ? w : m), 0n);
  const lifetime = finite.length < view.aggregations.length;
  // Tiles from floor_h(end − longest finite window); every older event in one prefix tile when a window is lifetime.
  const tilesStart = floorToHop(end - longest, h);
  const lower = agg.windowMicros === null ? null : floorToHop(t - agg.windowMicros, h);
  const before = {
    ...view,
    events: view.events.filter((e) => e[view.timestampColumn] !== null && (e[view.timestampColumn] as bigint) < end),
  };
  const beforeState = { status: "BEFORE_STATE", value: null };
  if (lower !== null && lower < tilesStart) return beforeState;
  // A tile the window reads that holds an event at or after t (a read before the end): not answerable.
  const all = windowEvents(before, { ...agg, function: "count", column: null, windowMicros: null, filter: null }, keys, end);
  for (const e of all) {
    const ts = e[view.timestampColumn] as bigint;
    if (ts < t) continue;
    const bucket = ts < tilesStart ? (lifetime ? null : undefined) : floorToHop(ts, h);
    if (bucket === undefined) continue;
    if (bucket === null ? lower === null : bucket < t && (lower === null || bucket >= lower)) return beforeState;
  }
  const value = hopAggregateValue(before, agg, keys, t, h);
  return { status: value === null ? "NULL_VALUE" : "PRESENT", value };
}

/** Each case materializes, loads and reads about 8 times: about 1 s. */
const BUDGET: PropertyBudget = { runs: 12, minRuns: 5, seconds: 60 };

describe("aggregation views with hop online: a read at time t equals the hop definition at t", () => {
  for (const store of STORE_TYPES) {
    it(
      `${store}: reads at random times after and before the materialization's end`,
      async () => {
        await assertAsyncProperty(
          fc.asyncProperty(
            aggCaseArb(),
            fc.array(fc.nat(), { minLength: 2, maxLength: 2 }),
            fc.nat(),
            fc.array(fc.nat(), { minLength: 4, maxLength: 8 }),
            async (c, hopPicks, pick, reads) => {
              const hopped = withHops(c, hopPicks);
              if (hopped) await checkCase(store, hopped.c, hopped.hops, pick, reads);
            },
          ),
          BUDGET,
        );
      },
      testTimeout(BUDGET),
    );
  }
});

async function checkCase(store: (typeof STORE_TYPES)[number], c: GenAggCase, hops: bigint[], pick: number, reads: number[]): Promise<void> {
  const times = c.views
    .flatMap((v) => v.events.map((e) => e[v.timestampColumn]))
    .filter((x): x is bigint => typeof x === "bigint")
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (times.length === 0) return;
  const half = Math.floor(times.length / 2);
  const end = times[half + (pick % (times.length - half))]! + [0n, 1n, HOUR, 90n * 1_000_000n][pick % 4]!;
  const project = `t_hop_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), "fc-hop-"));
  const wh = await TEST_TARGETS.duckdb.prepare(dir);
  try {
    writeAggProject(dir, c, wh, project, TEST_STORES[store].yaml);
    await createAggTables(wh, c);
    await materialize({ projectDir: dir, end: isoMicros(end) });
    await load({ projectDir: dir });
    const client = await createOnlineClient({ project, store: TEST_STORES[store].config(dir) as never, timeoutMs: 10_000 });
    try {
      const refViews = toAggViews(c);
      for (const [vi, view] of c.views.entries()) {
        const h = hops[vi]!;
        const ref = refViews.find((v) => v.name === view.name)!;
        const keyNames = c.entities[view.entity]!.keys.map((k) => k.name);
        const entityRows = [
          ...new Map(
            view.events
              .filter((e) => keyNames.every((k) => e[k] !== null))
              .map((e) => [show(keyNames.map((k) => e[k])), Object.fromEntries(keyNames.map((k) => [k, e[k]]))] as const),
          ).values(),
          Object.fromEntries(c.entities[view.entity]!.keys.map((k) => [k.name, k.type === "int64" ? 987654321987n : "nobody"])),
        ];
        // Read times that meet the window edges and the hop's: an event's time, plus a window, plus a
        // window and a hop (the widened edge), a µs either side; the end; later.
        const windows = view.aggregations.flatMap((a) => (a.windowMicros === null ? [] : [a.windowMicros]));
        const candidates = [
          ...times.flatMap((ts) => [
            ts,
            ts + 1n,
            ...windows.flatMap((w) => [ts + w, ts + w - 1n, floorToHop(ts, h) + w + h, floorToHop(ts, h) + w + h - 1n]),
          ]),
          end,
          end + 1n,
          end + h,
          end + 24n * HOUR,
          end + 9n * 24n * HOUR,
        ];
        for (const k of reads) {
          const t = candidates[k % candidates.length]!;
          const res = await client.getOnlineFeatures({
            features: view.aggregations.map((a) => `${view.name}:${a.name}`),
            entityRows: entityRows as Record<string, unknown>[],
            at: isoMicros(t),
          });
          res.rows.forEach((row, r) => {
            for (const a of view.aggregations) {
              const got = row.features[a.name]!;
              const want = expected(ref, a.name, entityRows[r] as Row, t, end, h);
              const wantShown = {
                ...want,
                value:
                  a.columnType === "timestamp" && typeof want.value === "bigint" && a.function !== "count"
                    ? isoMicros(want.value)
                    : want.value,
              };
              expect(
                sameOnlineValue(
                  got,
                  wantShown,
                  a.function === "avg" || a.function === "stddev" || (a.function === "sum" && a.columnType === "float64"),
                ),
                `${store}: ${view.name}:${a.name} (${a.function} ${a.column ?? ""} ${a.window} hop ${view.hop}${a.filter ? ` where ${a.filter.sql}` : ""}) ` +
                  `for ${show(entityRows[r])} at ${isoMicros(t)} (end ${isoMicros(end)}): got ${show(got)}, want ${show(wantShown)}`,
              ).toBe(true);
            }
          });
        }
      }
    } finally {
      await client.close();
    }
  } finally {
    removeDir(dir);
    await wh.cleanup();
    await TEST_STORES[store].cleanup(project);
  }
}
