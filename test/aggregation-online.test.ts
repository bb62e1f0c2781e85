/**
 * Aggregation views online (docs/aggregations.md, "Online"): after `materialize --end E` and
 * `load`, a read at any time t >= E equals training at T = t over the events before E — the
 * windows move on as time passes — on every online store; a read at t < E is exact where the state
 * reaches back to its window's start, and BEFORE_STATE where it does not. Compared with the
 * in-memory reference (test/reference/agg-reference.ts) on random cases.
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
import { sameOnlineValue, aggregateValue } from "./reference/agg-reference.js";
import type { RefAggView } from "./reference/agg-reference.js";
import { removeDir, show } from "./reference/duckdb-harness.js";
import type { Row, Value } from "./reference/pit-reference.js";

afterAll(closeTestTargets);

const HOUR = 3_600_000_000n;

/** What a read at `t` must give for one feature: the reference's value, or BEFORE_STATE. */
function expected(view: RefAggView, name: string, keys: Row, t: bigint, end: bigint): { status: string; value: Value } {
  const agg = view.aggregations.find((a) => a.name === name)!;
  const windows = view.aggregations.map((a) => a.windowMicros);
  const longest = windows.some((w) => w === null) ? null : windows.reduce((m, w) => (w! > m! ? w : m), 0n);
  // The state holds the events of [end − longest window, end); every event if a window is lifetime.
  const exact = longest === null || (agg.windowMicros !== null && t - agg.windowMicros >= end - longest);
  if (!exact) return { status: "BEFORE_STATE", value: null };
  const before = {
    ...view,
    events: view.events.filter((e) => e[view.timestampColumn] !== null && (e[view.timestampColumn] as bigint) < end),
  };
  const value = aggregateValue(before, agg, keys, t);
  return { status: value === null ? "NULL_VALUE" : "PRESENT", value };
}

/** Each case materializes, loads and reads about 8 times: about 1 s. */
const BUDGET: PropertyBudget = { runs: 12, minRuns: 5, seconds: 60 };

describe("aggregation views online: a read at time t equals training at t", () => {
  for (const store of STORE_TYPES) {
    it(
      `${store}: reads at random times after and before the materialization's end`,
      async () => {
        await assertAsyncProperty(
          fc.asyncProperty(aggCaseArb(), fc.nat(), fc.array(fc.nat(), { minLength: 4, maxLength: 8 }), async (c, pick, reads) => {
            await checkCase(store, c, pick, reads);
          }),
          BUDGET,
        );
      },
      testTimeout(BUDGET),
    );
  }
});

async function checkCase(store: (typeof STORE_TYPES)[number], c: GenAggCase, pick: number, reads: number[]): Promise<void> {
  // The end: at or just after one of the later events' timestamps (so the state holds events, and
  // window edges meet events), sometimes an hour after.
  const times = c.views
    .flatMap((v) => v.events.map((e) => e[v.timestampColumn]))
    .filter((x): x is bigint => typeof x === "bigint")
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (times.length === 0) return;
  const half = Math.floor(times.length / 2);
  const end = times[half + (pick % (times.length - half))]! + [0n, 1n, HOUR][pick % 3]!;
  const project = `t_aggon_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), "fc-aggon-"));
  const wh = await TEST_TARGETS.duckdb.prepare(dir);
  try {
    writeAggProject(dir, c, wh, project, TEST_STORES[store].yaml);
    await createAggTables(wh, c);
    await materialize({ projectDir: dir, end: isoMicros(end) });
    await load({ projectDir: dir });
    const client = await createOnlineClient({ project, store: TEST_STORES[store].config(dir) as never, timeoutMs: 10_000 });
    try {
      const refViews = toAggViews(c);
      for (const view of c.views) {
        const ref = refViews.find((v) => v.name === view.name)!;
        const keyNames = c.entities[view.entity]!.keys.map((k) => k.name);
        // The entities: those with events, and one with none.
        const entityRows = [
          ...new Map(
            view.events
              .filter((e) => keyNames.every((k) => e[k] !== null))
              .map((e) => [show(keyNames.map((k) => e[k])), Object.fromEntries(keyNames.map((k) => [k, e[k]]))] as const),
          ).values(),
          Object.fromEntries(c.entities[view.entity]!.keys.map((k) => [k.name, k.type === "int64" ? 987654321987n : "nobody"])),
        ];
        // Read times that meet the window edges: an event's time (it is then not counted), an event's
        // time plus a window (its lower edge: counted), a µs either side, the end, days after it.
        const windows = view.aggregations.flatMap((a) => (a.windowMicros === null ? [] : [a.windowMicros]));
        const candidates = [
          ...times.flatMap((ts) => [ts, ts + 1n, ...windows.flatMap((w) => [ts + w, ts + w - 1n])]),
          end,
          end + 1n,
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
              const want = expected(ref, a.name, entityRows[r] as Row, t, end);
              const wantShown = {
                ...want,
                value:
                  a.columnType === "timestamp" &&
                  typeof want.value === "bigint" &&
                  a.function !== "count" &&
                  a.function !== "count_distinct"
                    ? isoMicros(want.value)
                    : want.value,
              };
              expect(
                sameOnlineValue(got, wantShown, a.function === "avg" || a.function === "stddev"),
                `${store}: ${view.name}:${a.name} (${a.function} ${a.column ?? ""} ${a.window}${a.filter ? ` where ${a.filter.sql}` : ""}) ` +
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

describe("aggregation views online: named cases", () => {
  it("an int64 sum beyond the int64 range fails the read naming the feature, as training fails on it (never a wrapped value)", async () => {
    const { tempProject, removeProject } = await import("./helpers/temp-project.js");
    const { run, train } = await import("../src/index.js");
    const dir = tempProject({
      "fcompile.yaml":
        "name: t_overflow\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n",
      "definitions/d.yml": [
        "entities: [{name: account, join_keys: [{name: id, type: int64}]}]",
        "sources: [{name: s, path: ../data/s.csv, timestamp: ts}]",
        "feature_views:",
        "  - {name: v, entities: [account], source: s, aggregations: [{name: total, function: sum, column: units, window: lifetime}]}",
      ].join("\n"),
      "data/s.csv": "id,ts,units\n1,2025-01-01 00:00:00,9223372036854775000\n1,2025-01-02 00:00:00,1000\n2,2025-01-02 00:00:00,5\n",
      "data/e.csv": "id,event_timestamp\n1,2025-02-01 00:00:00\n",
    });
    try {
      await run({ projectDir: dir });
      await expect(
        train({ projectDir: dir, features: ["v:total"], entitiesFile: path.join(dir, "data/e.csv"), out: path.join(dir, "o.csv") }),
      ).rejects.toThrow(/error FC016: an int64 sum left the int64 range .*: v:total \(sum of units\)\. Sum it as float64 instead/);
      await materialize({ projectDir: dir, end: "2025-02-01" });
      await load({ projectDir: dir });
      const client = await createOnlineClient({ project: "t_overflow", store: { type: "sqlite", path: path.join(dir, "online.sqlite") } });
      try {
        const fine = await client.getOnlineFeatures({ features: ["v:total"], entityRows: [{ id: 2 }], at: "2025-02-01" });
        expect(fine.rows[0]!.features.total).toEqual({ value: 5n, eventTimestamp: "2025-01-02T00:00:00Z", status: "PRESENT" });
        await expect(client.getOnlineFeatures({ features: ["v:total"], entityRows: [{ id: 1 }], at: "2025-02-01" })).rejects.toThrow(
          /feature 'total': the int64 sum of its window is 9223372036854776000, beyond the int64 range/,
        );
      } finally {
        await client.close();
      }
    } finally {
      removeProject(dir);
    }
  });

  it("count_distinct counts -0.0 and 0.0 as one value online, as training does; the texts '-0.0 z' and '0.0 z' apart", async () => {
    const { tempProject, removeProject } = await import("./helpers/temp-project.js");
    const { run, train } = await import("../src/index.js");
    const { readFileSync } = await import("node:fs");
    const dir = tempProject({
      "fcompile.yaml":
        "name: t_negzero\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n",
      "definitions/d.yml": [
        "entities: [{name: account, join_keys: [{name: id, type: int64}]}]",
        "sources: [{name: s, path: ../data/s.csv, timestamp: ts}]",
        "feature_views:",
        "  - name: v",
        "    entities: [account]",
        "    source: s",
        "    aggregations:",
        "      - {name: xs, function: count_distinct, column: x, window: lifetime}",
        "      - {name: texts, function: count_distinct, column: t, window: lifetime}",
      ].join("\n"),
      // x is sniffed as DOUBLE (-0.0 stays a negative zero; 1.0 between keeps DuckDB's run-length
      // compression, for which -0.0 equals 0.0, from storing the two zeros as one); t holds text.
      "data/s.csv": "id,ts,x,t\n1,2025-01-01 00:00:00,-0.0,-0.0 z\n1,2025-01-02 00:00:00,1.0,1 z\n1,2025-01-03 00:00:00,0.0,0.0 z\n",
      "data/e.csv": "id,event_timestamp\n1,2025-02-01 00:00:00\n",
    });
    try {
      await run({ projectDir: dir });
      await train({
        projectDir: dir,
        features: ["v:xs", "v:texts"],
        entitiesFile: path.join(dir, "data/e.csv"),
        out: path.join(dir, "o.csv"),
      });
      expect(readFileSync(path.join(dir, "o.csv"), "utf8")).toMatch(/^id,event_timestamp,xs,texts\n1,2025-02-01 00:00:00,2,3\n$/);
      await materialize({ projectDir: dir, end: "2025-02-01" });
      await load({ projectDir: dir });
      const client = await createOnlineClient({ project: "t_negzero", store: { type: "sqlite", path: path.join(dir, "online.sqlite") } });
      try {
        const got = await client.getOnlineFeatures({ features: ["v:xs", "v:texts"], entityRows: [{ id: 1 }], at: "2025-02-01" });
        expect(got.rows[0]!.features.xs!.value).toBe(2n);
        expect(got.rows[0]!.features.texts!.value).toBe(3n);
      } finally {
        await client.close();
      }
    } finally {
      removeProject(dir);
    }
  });
});
