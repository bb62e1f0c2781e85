/**
 * `materialize` on both warehouses: an incremental run equals a full one, a failed run leaves the
 * previous materialization and watermarks, and watermarks refuse to go back in time.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FcUserError, materialize, run } from "../src/index.js";
import { compileTargetFor, loadProject, openWarehouse } from "../src/commands/common.js";
import { PG_URL, dropSchemas, testSchema, withPg } from "./helpers/postgres.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const schemas: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await dropSchemas(...schemas);
  dirs.forEach(removeProject);
});

const DEFINITIONS = `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: clicks, path: ../data/clicks.csv, timestamp: ts}
feature_views:
  - {name: raw_clicks, entities: [user], source: clicks, features: [{name: clicks, type: int64}]}
  - {name: recent, entities: [user], sql: recent.sql, timestamp: ts, ttl: 1d, features: [{name: twice, type: int64}]}
  - {name: labels, entities: [user], sql: labels.sql, timestamp: ts, ttl: 1d, features: [{name: n, type: int64}]}
`;
// The label 'x' cannot be cast to int64: materializing 'labels' fails once that row is in its window.
const CSV = `user_id,ts,clicks,label
1,2025-01-01 00:00:00,3,10
2,2025-01-01 00:00:00,4,20
3,2025-01-01 12:00:00,1,30
1,2025-01-02 06:00:00,5,11
2,2025-01-03 00:00:00,6,x
4,2025-01-03 10:00:00,7,40
`;

function project(target: "duckdb" | "postgres"): string {
  const schema = testSchema("fc_mat");
  schemas.push(schema);
  const targetYaml =
    target === "duckdb" ? "{type: duckdb, path: warehouse.duckdb}" : `{type: postgres, url: "${PG_URL}", schema: ${schema}}`;
  const dir = tempProject({
    "fcompile.yaml": `name: t\ntarget: w\ntargets:\n  w: ${targetYaml}\n`,
    "definitions/d.yml": DEFINITIONS,
    "definitions/recent.sql": 'SELECT user_id, ts, clicks * 2 AS twice FROM {{source "clicks"}}',
    "definitions/labels.sql": 'SELECT user_id, ts, label AS n FROM {{source "clicks"}}',
    "data/clicks.csv": CSV,
  });
  dirs.push(dir);
  return dir;
}

/** Every materialization table's rows (sorted) and the watermarks, read through the warehouse. */
async function snapshot(dir: string): Promise<{ tables: Record<string, string[]>; marks: Record<string, string> }> {
  const { config, registry } = await loadProject(dir);
  const { target, ct } = compileTargetFor(config);
  const wh = await openWarehouse(target, dir, registry);
  try {
    const tables: Record<string, string[]> = {};
    for (const v of registry.views.keys()) {
      if (!(await wh.tableExists(ct.schema, `mat__${v}`))) continue;
      const rows: string[] = [];
      for await (const batch of wh.readRows(`SELECT * FROM ${ct.dialect.qualified([ct.schema, `mat__${v}`])}`)) {
        rows.push(...batch.map((r) => r.map(String).join("|")));
      }
      tables[v] = rows.sort();
    }
    const marks = Object.fromEntries([...(await wh.watermarks(ct.schema))].map(([k, w]) => [k, `${w.mode}@${w.endTime}`]));
    for (const t of registry.views.keys()) expect(await wh.tableExists(ct.schema, `mat__${t}__fc_new`)).toBe(false);
    return { tables, marks };
  } finally {
    await wh.close();
  }
}

for (const target of ["duckdb", "postgres"] as const) {
  describe(`materialize on ${target}`, () => {
    it("an incremental run continues from the watermark and equals a full run", async () => {
      const dir = project(target);
      await run({ projectDir: dir });
      const views = ["raw_clicks", "recent"];
      const first = await materialize({ projectDir: dir, end: "2025-01-02", views });
      expect(first.views.map((v) => [v.view, v.mode, v.rows])).toEqual([
        ["raw_clicks", "full", 3],
        ["recent", "full", 3],
      ]);
      const inc = await materialize({ projectDir: dir, end: "2025-01-03T12:00:00Z", views, incremental: true });
      expect(inc.views.map((v) => [v.mode, v.start])).toEqual([
        ["incremental", "2025-01-02 00:00:00"],
        ["incremental", "2025-01-02 00:00:00"],
      ]);
      const incremental = await snapshot(dir);
      // A rerun of the same incremental step changes nothing (nothing skipped, nothing counted twice).
      await materialize({ projectDir: dir, end: "2025-01-03T12:00:00Z", views, incremental: true });
      expect(await snapshot(dir)).toEqual(incremental);
      await materialize({ projectDir: dir, end: "2025-01-03T12:00:00Z", views });
      const full = await snapshot(dir);
      expect(incremental.tables).toEqual(full.tables);
      // ttl 1d at 2025-01-03 12:00: users 1 and 3 are out of 'recent'; 2 and 4 are in.
      expect(full.tables.recent!.map((r) => r.split("|")[0])).toEqual(["2", "4"]);
      expect(full.tables.raw_clicks).toHaveLength(4);
      expect(full.marks).toEqual({ raw_clicks: "full@2025-01-03 12:00:00", recent: "full@2025-01-03 12:00:00" });
    });

    it("a run that fails on one view leaves every view's previous materialization and watermark", async () => {
      const dir = project(target);
      await run({ projectDir: dir });
      await materialize({ projectDir: dir, end: "2025-01-02" });
      const before = await snapshot(dir);
      expect(Object.keys(before.tables)).toEqual(["raw_clicks", "recent", "labels"]);
      await expect(materialize({ projectDir: dir, end: "2025-01-04" })).rejects.toThrow(
        /materializing 'labels' \(target\/compiled\/\w+\/materialize\/labels.sql\).*x/,
      );
      expect(await snapshot(dir)).toEqual(before);
      await expect(materialize({ projectDir: dir, end: "2025-01-04", incremental: true })).rejects.toThrow(/labels.incremental.sql/);
      expect(await snapshot(dir)).toEqual(before);
    });

    it("an incremental run cannot go back in time; a bad --end is a usage error", async () => {
      const dir = project(target);
      await run({ projectDir: dir });
      await materialize({ projectDir: dir, end: "2025-01-03", views: ["recent"] });
      const err = await materialize({ projectDir: dir, end: "2025-01-02", views: ["recent"], incremental: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FcUserError);
      expect((err as FcUserError).diagnostics[0]!.message).toMatch(/materialized up to 2025-01-03 00:00:00, after --end 2025-01-02/);
      await expect(materialize({ projectDir: dir, end: "yesterday" })).rejects.toThrow(/--end 'yesterday' is not a timestamp/);
      // A full run may go back.
      const back = await materialize({ projectDir: dir, end: "2025-01-01T06:00:00", views: ["recent"] });
      expect(back.views[0]!.rows).toBe(2);
    });
  });
}

describe("materialize on postgres, killed midway", () => {
  it("leaves the previous materialization and watermarks, and nothing half-created", async () => {
    const schema = testSchema("fc_matkill");
    const raw = `${schema}_raw`;
    schemas.push(schema, raw);
    await withPg(async (c) => {
      await c.query(`CREATE SCHEMA "${raw}"`);
      await c.query(
        `CREATE TABLE "${raw}".base AS SELECT g AS user_id, TIMESTAMP '2025-01-01' AS ts, g * 10 AS v FROM generate_series(1, 100) g`,
      );
      await c.query(`CREATE VIEW "${raw}".rows AS SELECT * FROM "${raw}".base`);
    });
    const dir = tempProject({
      "fcompile.yaml": `name: t\ntarget: pg\ntargets:\n  pg: {type: postgres, url: "${PG_URL}", schema: ${schema}}\n`,
      "definitions/d.yml": `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: rows, table: ${raw}.rows, timestamp: ts}
feature_views:
  - {name: v, entities: [user], source: rows, features: [{name: v, type: int64}]}
`,
    });
    dirs.push(dir);
    await materialize({ projectDir: dir, end: "2025-01-02" });
    const before = await snapshot(dir);
    // Now reading the source takes 30 s: the materialization will be midway when it is killed.
    await withPg((c) => c.query(`CREATE OR REPLACE VIEW "${raw}".rows AS SELECT base.* FROM "${raw}".base, pg_sleep(30)`));
    const child = spawn(process.execPath, [path.resolve("bin/fcompile"), "materialize", "--end", "2025-01-03", "--project", dir], {
      stdio: "ignore",
    });
    const active = async (): Promise<number> =>
      withPg(
        async (c) =>
          (
            await c.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'CREATE TABLE%mat__v__fc_new%' AND pid <> pg_backend_pid()",
            )
          ).rows[0].n as number,
      );
    let running = false;
    for (let i = 0; i < 200 && !running; i++) {
      running = (await active()) > 0;
      if (!running) await new Promise((r) => setTimeout(r, 100));
    }
    expect(running).toBe(true);
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    // The server notices the dead connection within a second and rolls its transaction back.
    for (let i = 0; i < 100 && (await active()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await active()).toBe(0);
    await withPg((c) => c.query(`CREATE OR REPLACE VIEW "${raw}".rows AS SELECT * FROM "${raw}".base`));
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe("materialize warnings", () => {
  it("a view that yields 0 rows and a future --end are warned about (exit 0), with the likely reason and what to do", async () => {
    const dir = project("duckdb");
    await run({ projectDir: dir });
    // ttl 1d: a year after the data, 'recent' has no row; raw_clicks (no ttl) has all.
    const r = await materialize({ projectDir: dir, end: "2026-01-01", views: ["raw_clicks", "recent"] });
    expect(r.views.map((v) => [v.view, v.rows])).toEqual([
      ["raw_clicks", 4],
      ["recent", 0],
    ]);
    expect(r.warnings).toEqual([
      "view 'recent' materialized 0 rows: its rows may all be older than its ttl (1d) before --end 2026-01-01 00:00:00; " +
        "its rows may all be after --end 2026-01-01 00:00:00, or its source may be empty. Check the data's timestamps and pass --end at " +
        "(or just after) the latest one; 'fcompile load' of this materialization would leave the view empty online.",
    ]);
    const future = await materialize({ projectDir: dir, end: "2999-01-01", views: ["raw_clicks"] });
    expect(future.warnings).toEqual([
      expect.stringMatching(/^--end 2999-01-01 00:00:00 is in the future \(now is .* UTC\): .*pass --end at or before now$/),
    ]);
    const fine = await materialize({ projectDir: dir, end: "2025-01-02", views: ["raw_clicks"] });
    expect(fine.warnings).toEqual([]);
  });
});
