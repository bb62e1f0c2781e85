/**
 * A pushed value is checked against its source column the same way online and offline
 * (docs/push.md, "Bad rows"): a value the warehouse would refuse or store changed — more decimal
 * places than a decimal column keeps, a fraction in an integer column no view reads — is a bad
 * row on both sides, so online and training never disagree on it. An event time more than a day
 * after the clock is a bad row (it would make every later event late). One cause, one problem.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOnlineClient, PushRowsError } from "../src/client/index.js";
import { load, materialize } from "../src/index.js";
import { loadProject } from "../src/commands/common.js";
import { pushRows, pushSession } from "../src/commands/push.js";
import { PushRowsRejected } from "../src/commands/push-offline.js";
import { columnCheckOf } from "../src/commands/push-layout.js";
import { columnValueProblem } from "../src/online/push/values.js";
import { TEST_STORES } from "./helpers/online-stores.js";
import { TEST_TARGETS, closeTestTargets } from "./helpers/targets.js";
import { removeDir } from "./reference/duckdb-harness.js";

afterAll(closeTestTargets);

describe("column checks of pushed values", () => {
  it("reads the engines' type names", () => {
    expect(
      ["numeric(10,2)", "DECIMAL(18,3)", "numeric", "integer", "BIGINT", "smallint", "DOUBLE", "real", "boolean", "TIMESTAMP", "text"].map(
        columnCheckOf,
      ),
    ).toEqual([
      { kind: "decimal", precision: 10, scale: 2 },
      { kind: "decimal", precision: 18, scale: 3 },
      { kind: "decimal" },
      { kind: "integer", bits: 32 },
      { kind: "integer", bits: 64 },
      { kind: "integer", bits: 16 },
      { kind: "float" },
      { kind: "float" },
      { kind: "bool" },
      { kind: "timestamp" },
      undefined,
    ]);
  });

  it("decimal places and digits, integers and their range, floats, NULL", () => {
    const d = { kind: "decimal", precision: 10, scale: 2 } as const;
    expect([2.35, "2.30", "2.300", -99999999.99, "1e2", "0.000", null].map((v) => columnValueProblem(v, d))).toEqual(
      Array(7).fill(undefined),
    );
    expect(columnValueProblem(2.345, d)).toBe("2.345 has 3 decimal places; the column keeps 2 (decimal(10,2)): round it before pushing");
    expect(columnValueProblem("1e-7", d)).toBe('"1e-7" has 7 decimal places; the column keeps 2 (decimal(10,2)): round it before pushing');
    expect(columnValueProblem(0.1 + 0.2, d)).toMatch(/^0\.30000000000000004 has 17 decimal places/);
    expect(columnValueProblem(123456789, d)).toBe("123456789 does not fit the column's decimal(10,2)");
    expect(columnValueProblem("abc", d)).toBe('"abc" is not a number');
    expect(columnValueProblem(2.345, { kind: "decimal" })).toBeUndefined();
    const i32 = { kind: "integer", bits: 32 } as const;
    expect(columnValueProblem(2.5, i32)).toBe("2.5 is not an integer (the column is an integer)");
    expect(columnValueProblem(2 ** 31, i32)).toBe("2147483648 is out of the range of a 32-bit integer column");
    expect(columnValueProblem("-2147483648", i32)).toBeUndefined();
    expect(columnValueProblem(NaN, { kind: "float" })).toBe("NaN is not a finite number; send null for a missing value");
  });
});

describe.each(["duckdb", "postgres"] as const)("pushes to a table with decimal and integer columns (%s)", (dialect) => {
  it("refuse, online and offline alike, what the warehouse would round or refuse; the rest goes through", async () => {
    const store = dialect === "duckdb" ? "sqlite" : "redis";
    const dir = mkdtempSync(path.join(os.tmpdir(), "fc-pushcols-"));
    const wh = await TEST_TARGETS[dialect].prepare(dir);
    const project = `t_pushcols_${dialect}_${process.pid}`;
    try {
      writeFileSync(
        path.join(dir, "fcompile.yaml"),
        `name: ${project}\ntarget: w\ntargets:\n  w: ${JSON.stringify(wh.target)}\nonline: ${TEST_STORES[store].yaml}\n`,
      );
      mkdirSync(path.join(dir, "definitions"));
      writeFileSync(
        path.join(dir, "definitions", "d.yml"),
        [
          "entities: [{name: c, join_keys: [{name: id, type: int64}]}]",
          `sources: [{name: ev, table: ${wh.rawSchema}.ev, timestamp: ts, push: true}]`,
          "feature_views:",
          "  - name: d",
          "    entities: [c]",
          "    source: ev",
          "    aggregations:",
          "      - {name: total, function: sum, column: amount, window: lifetime, type: float64}",
          "      - {name: top, function: max, column: amount, window: lifetime, type: float64}",
        ].join("\n"),
      );
      await wh.exec(
        `CREATE SCHEMA IF NOT EXISTS ${wh.rawSchema};` +
          `CREATE TABLE ${wh.rawSchema}.ev (id BIGINT, ts TIMESTAMP, amount NUMERIC(10,2), rating INTEGER);` +
          `INSERT INTO ${wh.rawSchema}.ev VALUES (1, TIMESTAMP '2025-01-01 00:00:00', 1.25, 3)`,
      );
      await materialize({ projectDir: dir, end: "2025-01-02" });
      await load({ projectDir: dir, graceMs: 0 });
      const client = await createOnlineClient({ project, store: TEST_STORES[store].config(dir) as never, timeoutMs: 5000 });
      const { config, registry } = await loadProject(dir);
      const s = pushSession(config, registry, undefined, (source, rows) => client.push(source, rows));
      try {
        const bad = [
          { id: 1, ts: "2025-01-02 01:00:00", amount: 2.345, rating: 4 },
          { id: 1, ts: "2025-01-02 02:00:00", amount: 2.35, rating: 2.5 },
          { id: 1, ts: "2099-01-01 00:00:00", amount: 1, rating: 1 },
        ];
        const problems = [
          { row: 1, column: "amount", reason: "2.345 has 3 decimal places; the column keeps 2 (decimal(10,2)): round it before pushing" },
          { row: 2, column: "rating", reason: "2.5 is not an integer (the column is an integer)" },
        ];
        const online = await client.push("ev", bad).catch((e: unknown) => e);
        expect(online).toBeInstanceOf(PushRowsError);
        expect((online as PushRowsError).problems).toEqual([
          ...problems,
          {
            row: 3,
            column: "ts",
            reason:
              "the event timestamp is more than a day after this machine's clock: an event from the future would make every later real event late; check its time zone and unit",
          },
        ]);
        // Offline: the same two (the future check is an online rule: the warehouse holds any time).
        const offline = await pushRows(s, "ev", bad.slice(0, 2), "offline").catch((e: unknown) => e);
        expect(offline).toBeInstanceOf(PushRowsRejected);
        expect((offline as PushRowsRejected).problems).toEqual(problems);
        // Rounded by the sender: through on both sides, and online equals the warehouse.
        const good = [{ id: 1, ts: "2025-01-02 01:00:00", amount: 2.35, rating: 4 }];
        expect((await pushRows(s, "ev", good, "online_and_offline")).offline?.appended).toBe(1);
        const res = await client.getOnlineFeatures({ features: ["d:total", "d:top"], entityRows: [{ id: 1 }], at: "2025-01-03" });
        expect([res.rows[0]!.features.total!.value, res.rows[0]!.features.top!.value]).toEqual([3.6, 2.35]);
        expect(await wh.rows(`SELECT CAST(amount AS TEXT) FROM ${wh.rawSchema}.ev ORDER BY ts`, {})).toEqual([["1.25"], ["2.35"]]);
      } finally {
        await client.close();
      }
    } finally {
      removeDir(dir);
      await wh.cleanup();
      await TEST_STORES[store].cleanup(project);
    }
  });
});
