/**
 * NaN and ±Infinity already in the warehouse (pushes refuse them, docs/push.md): DuckDB and
 * PostgreSQL order NaN after every other number, so training's max over a NaN is NaN and its min
 * is NaN only over NaNs alone; online reads (exact and `hop:` states) must give the same, and
 * `verify` must find no mismatch. On DuckDB with SQLite and on PostgreSQL with Redis. The general
 * readers' comparison (compareValues, also the tie order of `last`) orders NaN the same way.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOnlineClient } from "../src/client/index.js";
import { load, materialize, verify } from "../src/index.js";
import { compareValues, numberBefore } from "../src/online/aggregation-state.js";
import { TEST_STORES } from "./helpers/online-stores.js";
import { TEST_TARGETS, closeTestTargets } from "./helpers/targets.js";
import { removeDir } from "./reference/duckdb-harness.js";

afterAll(closeTestTargets);

const CASES = [
  { dialect: "duckdb", store: "sqlite" },
  { dialect: "postgres", store: "redis" },
] as const;

function writeProject(dir: string, project: string, target: Record<string, unknown>, raw: string, store: "sqlite" | "redis"): void {
  writeFileSync(
    path.join(dir, "fcompile.yaml"),
    `name: ${project}\ntarget: w\ntargets:\n  w: ${JSON.stringify(target)}\nonline: ${TEST_STORES[store].yaml}\n`,
  );
  mkdirSync(path.join(dir, "definitions"), { recursive: true });
  const aggs = [
    "      - {name: lo, function: min, column: amount, window: 1d, type: float64}",
    "      - {name: hi, function: max, column: amount, window: 1d, type: float64}",
    "      - {name: lo_all, function: min, column: amount, window: lifetime, type: float64}",
    "      - {name: hi_all, function: max, column: amount, window: lifetime, type: float64}",
    "      - {name: total, function: sum, column: amount, window: 1d, type: float64}",
  ];
  writeFileSync(
    path.join(dir, "definitions", "d.yml"),
    [
      "entities: [{name: c, join_keys: [{name: id, type: int64}]}]",
      `sources: [{name: ev, table: ${raw}.ev, timestamp: ts}]`,
      "feature_views:",
      "  - name: exact",
      "    entities: [c]",
      "    source: ev",
      "    aggregations:",
      ...aggs,
      "  - name: hopped",
      "    entities: [c]",
      "    source: ev",
      "    hop: 1h",
      "    aggregations:",
      ...aggs,
    ].join("\n"),
  );
}

describe("NaN and ±Infinity in the warehouse: online min and max as training orders them", () => {
  for (const { dialect, store } of CASES) {
    it(`${dialect} + ${store}: max over a NaN is NaN, min skips it unless all are NaN; verify finds no mismatch`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "fc-aggnan-"));
      const wh = await TEST_TARGETS[dialect].prepare(dir);
      const project = `t_aggnan_${dialect}_${process.pid}`;
      const nan = dialect === "duckdb" ? "CAST('NaN' AS DOUBLE)" : "CAST('NaN' AS DOUBLE PRECISION)";
      const inf = (sign: string) =>
        dialect === "duckdb" ? `CAST('${sign}Infinity' AS DOUBLE)` : `CAST('${sign}Infinity' AS DOUBLE PRECISION)`;
      try {
        writeProject(dir, project, wh.target, wh.rawSchema, store);
        await wh.exec(
          `CREATE SCHEMA IF NOT EXISTS ${wh.rawSchema};` +
            `CREATE TABLE ${wh.rawSchema}.ev (id BIGINT, ts TIMESTAMP, amount DOUBLE PRECISION, tag TEXT);` +
            `INSERT INTO ${wh.rawSchema}.ev VALUES ` +
            `(1, TIMESTAMP '2025-01-01 10:00:00', 10, 'a'), (1, TIMESTAMP '2025-01-01 11:00:00', ${nan}, 'b'), (1, TIMESTAMP '2025-01-01 12:00:00', 5, 'c'),` +
            `(2, TIMESTAMP '2025-01-01 10:00:00', ${nan}, 'a'), (2, TIMESTAMP '2025-01-01 11:00:00', ${nan}, 'b'),` +
            `(3, TIMESTAMP '2025-01-01 10:00:00', 3, 'a'), (3, TIMESTAMP '2025-01-01 11:00:00', ${inf("")}, 'b'), (3, TIMESTAMP '2025-01-01 12:00:00', ${inf("-")}, 'c')`,
        );
        await materialize({ projectDir: dir, end: "2025-01-02" });
        await load({ projectDir: dir, graceMs: 0 });
        const client = await createOnlineClient({ project, store: TEST_STORES[store].config(dir) as never, timeoutMs: 5000 });
        try {
          for (const view of ["exact", "hopped"]) {
            const res = await client.getOnlineFeatures({
              features: ["lo", "hi", "lo_all", "hi_all", "total"].map((f) => `${view}:${f}`),
              entityRows: [{ id: 1 }, { id: 2 }, { id: 3 }],
              at: "2025-01-02 00:00:00",
            });
            const got = res.rows.map((r) => Object.values(r.features).map((f) => f.value));
            expect(got, view).toEqual([
              [5, NaN, 5, NaN, NaN],
              [NaN, NaN, NaN, NaN, NaN],
              [-Infinity, Infinity, -Infinity, Infinity, NaN],
            ]);
          }
        } finally {
          await client.close();
        }
        const v = await verify({ projectDir: dir, end: "2025-01-02", sample: 50 });
        expect(v.mismatches).toEqual([]);
      } finally {
        removeDir(dir);
        await wh.cleanup();
        await TEST_STORES[store].cleanup(project);
      }
    });
  }
});

describe("compareValues and numberBefore order NaN after every other number", () => {
  it("sorts numbers as DuckDB and PostgreSQL do", () => {
    const sorted = [NaN, 1, -Infinity, NaN, Infinity, -0, 0.5].sort(compareValues);
    expect(sorted).toEqual([-Infinity, -0, 0.5, 1, Infinity, NaN, NaN]);
    expect([compareValues(NaN, NaN), compareValues(NaN, Infinity), compareValues(Infinity, NaN)]).toEqual([0, 1, -1]);
    expect([numberBefore(1, NaN), numberBefore(NaN, 1), numberBefore(NaN, NaN), numberBefore(1, 2), numberBefore(2, 1)]).toEqual([
      true,
      false,
      false,
      true,
      false,
    ]);
  });
});
