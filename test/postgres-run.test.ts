/**
 * `run` and `train` on PostgreSQL: all or nothing, concurrent runs, a run killed midway, and
 * errors that name the target and the failing step.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run, train } from "../src/index.js";
import { WarehouseError } from "../src/warehouse/warehouse.js";
import { PG_URL, dropSchemas, testSchema, withPg } from "./helpers/postgres.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const schemas: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await dropSchemas(...schemas);
  dirs.forEach(removeProject);
});

function project(viewSql: string, extraTarget = ""): { dir: string; schema: string } {
  const schema = testSchema("fc_run");
  schemas.push(schema);
  const dir = tempProject({
    "fcompile.yaml": `name: t\ntarget: pg\ntargets:\n  pg: {type: postgres, url: "${PG_URL}", schema: ${schema}${extraTarget}}\n`,
    "definitions/d.yml": `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: clicks, path: ../data/clicks.csv, timestamp: ts}
feature_views:
  - {name: raw_clicks, entities: [user], source: clicks, features: [{name: clicks, type: int64}]}
  - {name: doubled, entities: [user], sql: doubled.sql, timestamp: ts, features: [{name: twice, type: int64}]}
`,
    "definitions/doubled.sql": viewSql,
    "data/clicks.csv": "user_id,ts,clicks\n1,2025-01-01 00:00:00,3\n2,2025-01-01 00:00:00,4\n",
  });
  dirs.push(dir);
  return { dir, schema };
}

const GOOD = 'SELECT user_id, ts, clicks * 2 AS twice FROM {{source "clicks"}}';

async function tables(schema: string): Promise<string[]> {
  return withPg(async (c) => {
    const r = await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", [schema]);
    return r.rows.map((x: { table_name: string }) => x.table_name);
  });
}

async function twice(schema: string): Promise<number[]> {
  return withPg(async (c) =>
    (await c.query(`SELECT twice FROM "${schema}".view__doubled ORDER BY user_id`)).rows.map((r: { twice: string }) => Number(r.twice)),
  );
}

describe("run on PostgreSQL", () => {
  it("builds tables with (keys, ts) INCLUDE (features) indexes, vacuumed, and a failing run leaves the previous tables intact", async () => {
    const { dir, schema } = project(GOOD);
    await run({ projectDir: dir });
    expect(await tables(schema)).toEqual(["source__clicks", "view__doubled"]);
    expect(await twice(schema)).toEqual([6, 8]);
    const indexes = await withPg(
      async (c) => (await c.query("SELECT indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY 1", [schema])).rows,
    );
    expect(indexes.map((r: { indexdef: string }) => r.indexdef.replace(/^.* USING /, ""))).toEqual([
      "btree (user_id, ts) INCLUDE (clicks)",
      "btree (user_id, ts) INCLUDE (twice)",
    ]);
    // VACUUM after the run marks the pages all-visible, so lookups can be index-only at once. (Whether
    // it can depends on other sessions of the server holding old snapshots: the test checks it ran.)
    const vacuumed = await withPg(
      async (c) =>
        (await c.query("SELECT relname, vacuum_count > 0 AS vacuumed FROM pg_stat_user_tables WHERE schemaname = $1 ORDER BY 1", [schema]))
          .rows,
    );
    expect(vacuumed).toEqual([
      { relname: "source__clicks", vacuumed: true },
      { relname: "view__doubled", vacuumed: true },
    ]);

    writeFileSync(path.join(dir, "data/clicks.csv"), "user_id,ts,clicks\n1,2025-01-02 00:00:00,30\n");
    writeFileSync(path.join(dir, "definitions/doubled.sql"), 'SELECT user_id, ts, clicks / 0 AS twice FROM {{source "clicks"}}');
    const err = await run({ projectDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseError);
    expect((err as Error).message).toMatch(
      /building view 'doubled' \(target\/compiled\/postgres\/run\/002_view__doubled\.sql\): PostgreSQL \(target 'pg'\): division by zero/,
    );
    expect(await tables(schema)).toEqual(["source__clicks", "view__doubled"]);
    expect(await twice(schema)).toEqual([6, 8]);
    const clicks = await withPg(async (c) => (await c.query(`SELECT count(*)::int AS n FROM "${schema}".source__clicks`)).rows[0].n);
    expect(clicks).toBe(2);
  });

  it("two runs at once do not corrupt each other", async () => {
    const { dir, schema } = project(GOOD);
    await Promise.all([run({ projectDir: dir }), run({ projectDir: dir }), run({ projectDir: dir })]);
    expect(await tables(schema)).toEqual(["source__clicks", "view__doubled"]);
    expect(await twice(schema)).toEqual([6, 8]);
  });

  it("a run killed midway leaves the previous tables and nothing half-created", async () => {
    const { dir, schema } = project(GOOD);
    await run({ projectDir: dir });
    writeFileSync(
      path.join(dir, "definitions/doubled.sql"),
      'SELECT user_id, ts, clicks * 3 AS twice FROM {{source "clicks"}}, pg_sleep(30)',
    );
    const child = spawn(process.execPath, [path.resolve("bin/fcompile"), "run", "--project", dir], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    // Wait until the slow statement is running inside the run's transaction, then kill the process.
    let running = false;
    for (let i = 0; i < 200 && !running; i++) {
      running = await withPg(
        async (c) =>
          (
            await c.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'CREATE TABLE%pg_sleep(30)%'",
            )
          ).rows[0].n > 0,
      );
      if (!running) await new Promise((r) => setTimeout(r, 100));
    }
    expect(running).toBe(true);
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    // The server notices the dead connection and rolls its transaction back.
    for (let i = 0; i < 100; i++) {
      const left = await withPg(
        async (c) =>
          (await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'CREATE TABLE%pg_sleep(30)%'")).rows[0].n,
      );
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await tables(schema)).toEqual(["source__clicks", "view__doubled"]);
    expect(await twice(schema)).toEqual([6, 8]);
    // …and the next run completes.
    writeFileSync(path.join(dir, "definitions/doubled.sql"), 'SELECT user_id, ts, clicks * 3 AS twice FROM {{source "clicks"}}');
    await run({ projectDir: dir });
    expect(await twice(schema)).toEqual([9, 12]);
  });
});

describe("target settings", () => {
  it("statement_timeout cancels a slow statement, with the target and step named", async () => {
    const { dir, schema } = project(
      'SELECT user_id, ts, clicks AS twice FROM {{source "clicks"}}, pg_sleep(3)',
      ", statement_timeout: 500ms",
    );
    const err = await run({ projectDir: dir }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /building view 'doubled' .*PostgreSQL \(target 'pg'\): canceling statement due to statement timeout/,
    );
    expect(await tables(schema)).toEqual([]);
  });
});

describe("train on PostgreSQL", () => {
  it("entities from a CSV file (COPY), from SQL, output CSV and Parquet", async () => {
    const { dir } = project(GOOD);
    await run({ projectDir: dir });
    writeFileSync(
      path.join(dir, "entities.csv"),
      "user_id,event_timestamp,label\n2,2025-01-01 00:00:00,a\n1,2024-12-31 23:59:59,b\n1,2025-01-05 00:00:00,c\n",
    );
    const out = path.join(dir, "out.csv");
    const r = await train({
      projectDir: dir,
      features: ["raw_clicks:clicks", "doubled:twice"],
      entitiesFile: path.join(dir, "entities.csv"),
      out,
    });
    expect(r.rows).toBe(3);
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(out, "utf8").trim().split("\n")).toEqual([
      "user_id,event_timestamp,label,clicks,twice",
      "2,2025-01-01 00:00:00,a,4,8",
      "1,2024-12-31 23:59:59,b,,",
      "1,2025-01-05 00:00:00,c,3,6",
    ]);
  });
});

describe("loading a file source on PostgreSQL", () => {
  it("a value that does not convert to its declared type names the file and value, and leaves the previous tables", async () => {
    const { dir, schema } = project(GOOD);
    await run({ projectDir: dir });
    writeFileSync(path.join(dir, "data/clicks.csv"), "user_id,ts,clicks\n1,2025-01-01 00:00:00,3\n2,2025-01-01 00:00:00,many\n");
    const err = await run({ projectDir: dir }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /^loading source 'clicks' \(target\/compiled\/postgres\/run\/001_source__clicks\.sql\): reading data\/clicks\.csv with DuckDB: .*'many'/,
    );
    expect(await twice(schema)).toEqual([6, 8]);
  });
});
