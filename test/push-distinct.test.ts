/**
 * count_distinct over pushed events (docs/push.md): a pushed value is counted by the warehouse's
 * text of it, so a value pushed in another form (int64 as text or bigint, int32, a boolean as
 * text, a timestamp with a fraction as ISO text or µs) counts as the loaded one, on DuckDB and
 * PostgreSQL; a float column's count_distinct is refused for views over a push source (FC018 at
 * the aggregation: at build for a file source, at load for a table source, nothing loaded).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOnlineClient } from "../src/client/index.js";
import { build, load, materialize } from "../src/index.js";
import { TEST_STORES } from "./helpers/online-stores.js";
import { TEST_TARGETS, closeTestTargets } from "./helpers/targets.js";
import { removeDir } from "./reference/duckdb-harness.js";

afterAll(closeTestTargets);

const COLUMNS = ["i64", "i32", "s", "b", "seen"] as const;

function writeProject(dir: string, project: string, target: Record<string, unknown>, raw: string, extra = ""): void {
  writeFileSync(
    path.join(dir, "fcompile.yaml"),
    `name: ${project}\ntarget: w\ntargets:\n  w: ${JSON.stringify(target)}\nonline: ${TEST_STORES.sqlite.yaml}\n`,
  );
  mkdirSync(path.join(dir, "definitions"), { recursive: true });
  writeFileSync(
    path.join(dir, "definitions", "d.yml"),
    [
      "entities: [{name: c, join_keys: [{name: id, type: int64}]}]",
      `sources: [{name: ev, table: ${raw}.ev, timestamp: ts, push: true, dedupe_key: eid}]`,
      "feature_views:",
      "  - name: d",
      "    entities: [c]",
      "    source: ev",
      "    aggregations:",
      ...COLUMNS.map((c) => `      - {name: ${c}_n, function: count_distinct, column: ${c}, window: lifetime}`),
      extra,
    ].join("\n"),
  );
}

describe("count_distinct over pushed events counts the warehouse's text of a value", () => {
  for (const dialect of ["duckdb", "postgres"] as const) {
    it(`${dialect}: values pushed in other forms count as the loaded ones; new values count once`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "fc-pushdistinct-"));
      const wh = await TEST_TARGETS[dialect].prepare(dir);
      const project = `t_pushdist_${dialect}_${process.pid}`;
      try {
        writeProject(dir, project, wh.target, wh.rawSchema);
        await wh.exec(
          `CREATE SCHEMA IF NOT EXISTS ${wh.rawSchema};` +
            `CREATE TABLE ${wh.rawSchema}.ev (id BIGINT, ts TIMESTAMP, eid TEXT, i64 BIGINT, i32 INTEGER, s TEXT, b BOOLEAN, seen TIMESTAMP);` +
            `INSERT INTO ${wh.rawSchema}.ev VALUES ` +
            `(1, TIMESTAMP '2025-01-01 00:00:00', 'w1', 9007199254740993, -7, 'x', true, TIMESTAMP '2024-01-01 00:00:00.5'),` +
            `(1, TIMESTAMP '2025-01-01 01:00:00', 'w2', 0, 7, 'é ', false, TIMESTAMP '2024-01-01 00:00:00.000123')`,
        );
        await materialize({ projectDir: dir, end: "2025-01-02" });
        await load({ projectDir: dir, graceMs: 0 });
        const client = await createOnlineClient({ project, store: TEST_STORES.sqlite.config(dir), timeoutMs: 5000 });
        try {
          const read = async (): Promise<Record<string, unknown>> => {
            const res = await client.getOnlineFeatures({
              features: COLUMNS.map((c) => `d:${c}_n`),
              entityRows: [{ id: 1 }],
              at: "2025-01-03",
            });
            return Object.fromEntries(COLUMNS.map((c) => [c, res.rows[0]!.features[`${c}_n`]!.value]));
          };
          expect(await read()).toEqual({ i64: 2n, i32: 2n, s: 2n, b: 2n, seen: 2n });
          // The same values in other forms: nothing new.
          await client.push("ev", [
            {
              id: 1,
              ts: "2025-01-02 01:00:00",
              eid: "p1",
              i64: "9007199254740993",
              i32: "-07",
              s: "x",
              b: "true",
              seen: "2024-01-01T00:00:00.500Z",
            },
            { id: 1, ts: "2025-01-02 02:00:00", eid: "p2", i64: 0, i32: 7n, s: "é ", b: false, seen: 1704067200000123n },
            {
              id: 1,
              ts: "2025-01-02 03:00:00",
              eid: "p3",
              i64: 9007199254740993n,
              i32: 7,
              s: null,
              b: null,
              seen: new Date("2024-01-01T00:00:00.500Z"),
            },
          ]);
          expect(await read()).toEqual({ i64: 2n, i32: 2n, s: 2n, b: 2n, seen: 2n });
          // New values: each counts once, however often it is pushed.
          await client.push("ev", [
            {
              id: 1,
              ts: "2025-01-02 04:00:00",
              eid: "p4",
              i64: "9007199254740992",
              i32: 8,
              s: "X",
              b: "true",
              seen: "2024-01-01 00:00:00.25",
            },
            {
              id: 1,
              ts: "2025-01-02 05:00:00",
              eid: "p5",
              i64: 9007199254740992n,
              i32: "8",
              s: "X",
              b: true,
              seen: "2024-01-01T00:00:00.250000Z",
            },
          ]);
          expect(await read()).toEqual({ i64: 3n, i32: 3n, s: 3n, b: 2n, seen: 3n });
        } finally {
          await client.close();
        }
        // The warehouse's own texts are what the pushes matched: listed here so a change of either side shows.
        const texts = await wh.rows(
          `SELECT CAST(i64 AS TEXT), CAST(i32 AS TEXT), CAST(b AS TEXT), CAST(seen AS TEXT) FROM ${wh.rawSchema}.ev ORDER BY eid`,
          {},
        );
        expect(texts).toEqual([
          ["9007199254740993", "-7", "true", "2024-01-01 00:00:00.5"],
          ["0", "7", "false", "2024-01-01 00:00:00.000123"],
        ]);
      } finally {
        removeDir(dir);
        await wh.cleanup();
      }
    });

    it(`${dialect}: count_distinct of a float column over a push source is refused at load (FC018 at the aggregation), nothing loaded`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "fc-pushdistinct-"));
      const wh = await TEST_TARGETS[dialect].prepare(dir);
      const project = `t_pushdistf_${dialect}_${process.pid}`;
      try {
        writeProject(dir, project, wh.target, wh.rawSchema, "      - {name: f_n, function: count_distinct, column: f, window: lifetime}");
        await wh.exec(
          `CREATE SCHEMA IF NOT EXISTS ${wh.rawSchema};` +
            `CREATE TABLE ${wh.rawSchema}.ev (id BIGINT, ts TIMESTAMP, eid TEXT, i64 BIGINT, i32 INTEGER, s TEXT, b BOOLEAN, seen TIMESTAMP, f DOUBLE PRECISION);` +
            `INSERT INTO ${wh.rawSchema}.ev VALUES (1, TIMESTAMP '2025-01-01 00:00:00', 'w1', 1, 1, 'x', true, TIMESTAMP '2024-01-01 00:00:00', 1.0)`,
        );
        await materialize({ projectDir: dir, end: "2025-01-02" });
        await expect(load({ projectDir: dir, graceMs: 0 })).rejects.toThrow(
          /definitions[/\\]d\.yml:\d+:\d+: error FC018: count_distinct 'f_n' in view 'd' cannot count pushed events .*column 'f' is (DOUBLE|double precision)/,
        );
      } finally {
        removeDir(dir);
        await wh.cleanup();
      }
    });
  }

  it("a file source: count_distinct of a float column over a push source is FC018 at build", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "fc-pushdistinct-"));
    try {
      writeFileSync(path.join(dir, "fcompile.yaml"), "name: t\ntarget: w\ntargets:\n  w: {type: duckdb, path: w.duckdb}\n");
      mkdirSync(path.join(dir, "definitions"));
      mkdirSync(path.join(dir, "data"));
      writeFileSync(path.join(dir, "data", "ev.csv"), "id,ts,amount,n\n1,2025-01-01 00:00:00,1.5,2\n");
      writeFileSync(
        path.join(dir, "definitions", "d.yml"),
        [
          "entities: [{name: c, join_keys: [{name: id, type: int64}]}]",
          "sources: [{name: ev, path: ../data/ev.csv, timestamp: ts, push: true}]",
          "feature_views:",
          "  - {name: d, entities: [c], source: ev, aggregations: [{name: n_n, function: count_distinct, column: n, window: 1d}, {name: a_n, function: count_distinct, column: amount, window: 1d}]}",
        ].join("\n"),
      );
      const res = await build({ projectDir: dir });
      expect(res.ok).toBe(false);
      expect(JSON.stringify(res.diagnostics.map((d) => [d.code, d.at.line, d.message]))).toMatch(
        /\["FC018",4,"count_distinct 'a_n' in view 'd' cannot count pushed events [^"]*column 'amount' is DOUBLE/,
      );
      expect(res.diagnostics.filter((d) => d.code === "FC018")).toHaveLength(1);
    } finally {
      removeDir(dir);
    }
  });
});
