/**
 * `fcompile clean` removes what fcompile created for a project — its tables in the project's
 * schema, the schema when nothing else is left, its online keys or rows — and nothing else: table
 * sources and other tables in the schema, other schemas, and other projects in the same online
 * store stay. Without --yes it only lists (exit 2). DuckDB + SQLite, PostgreSQL + Redis.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { init, load, materialize, run } from "../src/index.js";
import { fcompileIn as fcompile, fcompileOk as ok } from "./helpers/cli.js";
import { PG_URL, dropSchemas, testSchema, withPg } from "./helpers/postgres.js";
import { REDIS_URL, deleteProjectKeys, projectKeys, testProject } from "./helpers/redis.js";

const tmp = mkdtempSync(path.join(tmpdir(), "fc-clean-"));
const schemas: string[] = [];
const projects: string[] = [];
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await dropSchemas(...schemas);
  for (const p of projects) await deleteProjectKeys(p);
});

/** A project from `fcompile init`, with fcompile.yaml replaced, and optionally more definitions. */
async function project(name: string, config: string, extra?: string): Promise<string> {
  const dir = path.join(tmp, name);
  init(dir);
  writeFileSync(path.join(dir, "fcompile.yaml"), config);
  if (extra) writeFileSync(path.join(dir, "definitions/extra.yml"), extra);
  return dir;
}

/** run, materialize, load (in-process: spawning the CLI for each is the slow part). */
async function fill(dir: string): Promise<void> {
  await run({ projectDir: dir });
  await materialize({ projectDir: dir, end: "2025-01-01T12:00:00Z" });
  await load({ projectDir: dir });
}

async function duckTables(file: string): Promise<string[]> {
  const db = await DuckDBInstance.create(file);
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(
      "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_catalog = current_database() ORDER BY 1",
    );
    return r.getRowsJS().map((row) => String(row[0]));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** A table source named like fcompile's own tables, in the project's schema: still the user's. */
const tableSourceDefs = (schema: string) => `sources:
  - {name: user_stats, table: ${schema}.source__user_stats, timestamp: event_timestamp}
feature_views:
  - {name: user_view, entities: [driver], source: user_stats, features: [{name: score, type: float64}]}
`;

describe("fcompile clean on DuckDB + SQLite", () => {
  it("lists, then removes fcompile's tables and the project's rows; keeps the user's tables and the other project", async () => {
    const shared = path.join(tmp, "shared.sqlite");
    const config = (name: string) =>
      `name: ${name}\ntargets:\n  local: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: ${shared}}\n`;
    const dir = await project("shop", config("shop"), tableSourceDefs("shop"));
    const other = await project("other", config("other"));
    const wh = path.join(dir, "warehouse.duckdb");
    {
      const db = await DuckDBInstance.create(wh);
      const conn = await db.connect();
      await conn.run("CREATE SCHEMA shop");
      await conn.run(
        "CREATE TABLE shop.source__user_stats AS SELECT 1001 AS driver_id, TIMESTAMP '2025-01-01 10:00:00' AS event_timestamp, 0.5 AS score",
      );
      await conn.run("CREATE TABLE shop.notes (x INTEGER)");
      await conn.run("CREATE TABLE main.mine (x INTEGER)");
      conn.closeSync();
      db.closeSync();
    }
    await fill(dir);
    await fill(other);
    const before = await duckTables(wh);
    expect(before).toEqual([
      "main.mine",
      "shop.fc_materializations",
      "shop.mat__driver_stats",
      "shop.mat__user_view",
      "shop.notes",
      "shop.source__driver_hourly_stats",
      "shop.source__user_stats",
    ]);

    const dry = await fcompile(dir, "clean");
    expect(dry.status).toBe(2);
    expect(dry.stdout).toBe(
      "warehouse (target 'local', schema shop): would remove 4 tables: fc_materializations, mat__driver_stats, mat__user_view, source__driver_hourly_stats\n" +
        "  kept (not fcompile's): notes, source__user_stats\n" +
        `online (${shared}): would remove project 'shop': 2 loaded views (driver_stats, user_view), 4 values\n`,
    );
    expect(dry.stderr).toMatch(/dry run: nothing was removed; run 'fcompile clean --yes'/);
    expect(await duckTables(wh)).toEqual(before);

    const done = await ok(dir, "clean", "--yes");
    expect(done).toMatch(/removed 4 tables/);
    expect(done).not.toMatch(/removed schema/);
    expect(await duckTables(wh)).toEqual(["main.mine", "shop.notes", "shop.source__user_stats"]);
    // The other project in the same SQLite file is untouched, so the file stays.
    const db = new Database(shared, { readonly: true });
    expect(db.prepare("SELECT DISTINCT project FROM fc_pointer").pluck().all()).toEqual(["other"]);
    expect(db.prepare("SELECT count(*) FROM fc_values").pluck().get()).toBe(3);
    db.close();
    expect(
      JSON.parse(await ok(other, "get", "--service", "driver_ranking", "--entity", "driver_id=1001", "--at", "2025-01-01T12:00:00Z")),
    ).toBeTruthy();

    expect(await ok(dir, "clean")).toMatch(/nothing to clean/);
    // The last project out removes the file.
    expect(await ok(other, "clean", "--yes")).toMatch(/removed .*shared\.sqlite \(it held nothing else\)/);
    expect(existsSync(shared)).toBe(false);
    expect(await duckTables(path.join(other, "warehouse.duckdb"))).toEqual([]);
  });
});

describe.concurrent("fcompile clean on PostgreSQL + Redis", () => {
  it("drops the schema it emptied and unlinks fc:<project>:*, never another project's keys", async () => {
    const name = testProject("clean");
    const schema = testSchema("fc_clean");
    projects.push(name, `${name}_x`);
    schemas.push(schema);
    const dir = await project(
      "pg",
      `name: ${name}\ntarget: pg\ntargets:\n  pg: {type: postgres, url: "${PG_URL}", schema: ${schema}}\nonline: {type: redis, url: "${REDIS_URL}"}\n`,
    );
    await fill(dir);
    // Another project whose name starts with this one's: its keys must survive.
    const { Redis } = await import("ioredis");
    const redis = new Redis(REDIS_URL);
    await redis.set(`fc:${name}_x:pointer`, "1");
    await redis.quit();
    const keys = await projectKeys(name);
    expect(keys.length).toBeGreaterThan(3);

    const dry = await fcompile(dir, "clean", "--online-only");
    expect(dry.status).toBe(2);
    expect(dry.stdout).toBe(`online (${REDIS_URL}): would remove project '${name}': 1 loaded view (driver_stats), ${keys.length} keys\n`);
    expect(await projectKeys(name)).toEqual(keys);

    const out = await ok(dir, "clean", "--yes");
    expect(out).toContain(
      `warehouse (target 'pg', schema ${schema}): removed 3 tables: fc_materializations, mat__driver_stats, source__driver_hourly_stats\n  removed schema ${schema}\n`,
    );
    expect(out).toContain(`removed project '${name}': 1 loaded view (driver_stats), ${keys.length} keys`);
    expect(await projectKeys(name)).toEqual([]);
    expect(await projectKeys(`${name}_x`)).toEqual([`fc:${name}_x:pointer`]);
    const left = await withPg((c) => c.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", [schema]));
    expect(left.rowCount).toBe(0);
    // A client now finds nothing, and says the view was never loaded.
    const get = await fcompile(dir, "get", "--service", "driver_ranking", "--entity", "driver_id=1001");
    expect(get.status).not.toBe(0);
  });

  it("keeps a schema that holds the user's tables; refuses while a load holds the lock", async () => {
    const name = testProject("clean");
    const schema = testSchema("fc_clean");
    projects.push(name);
    schemas.push(schema);
    await withPg(async (c) => {
      await c.query(`CREATE SCHEMA "${schema}"`);
      await c.query(
        `CREATE TABLE "${schema}".source__user_stats AS SELECT 1001 AS driver_id, TIMESTAMP '2025-01-01 10:00:00' AS event_timestamp, 0.5::float8 AS score`,
      );
    });
    const dir = await project(
      "pg2",
      `name: ${name}\ntarget: pg\ntargets:\n  pg: {type: postgres, url: "${PG_URL}", schema: ${schema}}\nonline: {type: redis, url: "${REDIS_URL}"}\n`,
      tableSourceDefs(schema),
    );
    await fill(dir);
    const { Redis } = await import("ioredis");
    const redis = new Redis(REDIS_URL);
    await redis.set(`fc:${name}:lock`, "someone", "PX", 60_000);
    const locked = await fcompile(dir, "clean", "--yes");
    expect(locked.status).toBe(1);
    expect(locked.stderr).toMatch(/a load of project '.*' is running on redis:\/\/.*; wait for it to finish, then clean/);
    await redis.del(`fc:${name}:lock`);
    await redis.quit();
    const out = await ok(dir, "clean", "--yes");
    expect(out).toMatch(/kept \(not fcompile's\): source__user_stats/);
    const tables = await withPg((c) => c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", [schema]));
    expect(tables.rows.map((r: { table_name: string }) => r.table_name)).toEqual(["source__user_stats"]);
  });
});
