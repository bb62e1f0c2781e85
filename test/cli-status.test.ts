/**
 * `fcompile status` follows a project through its life — never materialized, materialized but
 * not loaded, fresh, loaded older than materialized (a later end, or the same end materialized
 * again), definition changed, a view only in the online store — and `materialize --load` does
 * both steps. On DuckDB + SQLite and PostgreSQL + Redis.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fcompileIn as fcompile, fcompileOk as ok } from "./helpers/cli.js";
import { init, load, materialize, run } from "../src/index.js";
import { status } from "../src/commands/status.js";
import type { StatusResult } from "../src/commands/status.js";
import { PG_URL, dropSchemas, testSchema } from "./helpers/postgres.js";
import { REDIS_URL, deleteProjectKeys, testProject } from "./helpers/redis.js";

const tmp = mkdtempSync(path.join(tmpdir(), "fc-status-"));
const schemas: string[] = [];
const projects: string[] = [];
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await dropSchemas(...schemas);
  for (const p of projects) await deleteProjectKeys(p);
});

/** The status, read in-process (the CLI's --json output is checked against it once). */
async function statusOf(dir: string): Promise<StatusResult> {
  return status({ projectDir: dir });
}

/** Each view's state, and the end times the warehouse and the online store hold. */
async function states(dir: string): Promise<Record<string, [string, string | null, string | null]>> {
  return Object.fromEntries(
    (await statusOf(dir)).views.map((v) => [v.view, [v.state, v.materialized?.end ?? null, v.online?.end ?? null]]),
  );
}

const SECOND_VIEW = `
  - name: driver_trips
    entities: [driver]
    source: driver_hourly_stats
    features:
      - {name: trips_today, type: int64}
`;

const setups = {
  "DuckDB + SQLite": () => ({
    name: "shop",
    config: "targets:\n  local: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n",
  }),
  "PostgreSQL + Redis": () => {
    const name = testProject("status");
    const schema = testSchema("fc_status");
    projects.push(name);
    schemas.push(schema);
    return {
      name,
      config: `targets:\n  pg: {type: postgres, url: "${PG_URL}", schema: ${schema}}\nonline: {type: redis, url: "${REDIS_URL}"}\n`,
    };
  },
};

describe.concurrent.each(Object.entries(setups))("fcompile status on %s", (label, setup) => {
  it("says what is stale at each step, and materialize --load makes it fresh", async () => {
    const { name, config } = setup();
    const dir = path.join(tmp, label.replace(/\W+/g, "_"));
    init(dir);
    writeFileSync(path.join(dir, "fcompile.yaml"), `name: ${name}\n${config}`);
    const defs = path.join(dir, "definitions/drivers.yml");
    const original = readFileSync(defs, "utf8");
    writeFileSync(defs, original.replace("\nfeature_services:", `${SECOND_VIEW}\nfeature_services:`));

    expect(await states(dir)).toEqual({
      driver_stats: ["never-materialized", null, null],
      driver_trips: ["never-materialized", null, null],
    });
    const check = await fcompile(dir, "status", "--check");
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("driver_stats: never materialized; run 'fcompile materialize'");
    expect(check.stdout).toMatch(/2 of 2 views need attention\n$/);

    // The steps around the CLI calls run in-process: spawning the CLI for each is the slow part.
    await run({ projectDir: dir });
    await materialize({ projectDir: dir, end: "2025-01-01T12:00:00Z" });
    expect(await states(dir)).toEqual({
      driver_stats: ["not-loaded", "2025-01-01 12:00:00", null],
      driver_trips: ["not-loaded", "2025-01-01 12:00:00", null],
    });

    await load({ projectDir: dir });
    const fresh = await statusOf(dir);
    expect(JSON.parse(await ok(dir, "status", "--json"))).toEqual(fresh);
    expect(fresh.stale).toBe(0);
    expect(fresh.views[0]).toMatchObject({
      view: "driver_stats",
      state: "fresh",
      materialized: { end: "2025-01-01 12:00:00", start: null, mode: "full", rows: 3 },
      online: { end: "2025-01-01 12:00:00", rows: 3 },
    });
    expect((await fcompile(dir, "status", "--check")).status).toBe(0);
    expect(await ok(dir, "status")).toMatch(/^driver_stats {2}fresh {2}.*2025-01-01 12:00:00, 3, full, .*v\d+, 2025-01-01 12:00:00, 3, /m);

    // A later end, not loaded yet.
    await materialize({ projectDir: dir, end: "2025-01-01T13:00:00Z", views: ["driver_stats"] });
    expect((await states(dir)).driver_stats).toEqual(["load-behind", "2025-01-01 13:00:00", "2025-01-01 12:00:00"]);

    // materialize --load does both steps.
    const both = await ok(dir, "materialize", "--end", "2025-01-01T14:00:00Z", "--load");
    expect(both).toMatch(/^materialize ok: 2 views, 6 rows as of 2025-01-01 14:00:00 UTC/m);
    expect(both).toMatch(/^load ok: 2 views, 6 rows into /m);
    expect(await states(dir)).toEqual({
      driver_stats: ["fresh", "2025-01-01 14:00:00", "2025-01-01 14:00:00"],
      driver_trips: ["fresh", "2025-01-01 14:00:00", "2025-01-01 14:00:00"],
    });

    // The same end materialized again after the load: the online values may be older.
    await materialize({ projectDir: dir, end: "2025-01-01T14:00:00Z", views: ["driver_trips"] });
    expect((await states(dir)).driver_trips[0]).toBe("load-behind");
    expect((await statusOf(dir)).views[1]!.detail).toMatch(/^materialized again at .*, after the last load .*; run 'fcompile load'$/);

    // A changed definition; then a view removed from the project but still online.
    writeFileSync(defs, readFileSync(defs, "utf8").replace("ttl: 1d", "ttl: 2d"));
    expect((await states(dir)).driver_stats[0]).toBe("changed");
    writeFileSync(defs, original.replace("ttl: 1d", "ttl: 2d"));
    const last = await statusOf(dir);
    expect(last.views.map((v) => [v.view, v.state])).toEqual([
      ["driver_stats", "changed"],
      ["driver_trips", "not-in-project"],
    ]);
    expect(last.views[1]!.detail).toMatch(/the next 'fcompile load' removes it/);
    await ok(dir, "materialize", "--end", "2025-01-01T14:00:00Z", "--load");
    expect(await states(dir)).toEqual({ driver_stats: ["fresh", "2025-01-01 14:00:00", "2025-01-01 14:00:00"] });

    // Past the ttl every value is gone: materialize warns, the load it runs refuses to empty the view.
    const past = await fcompile(dir, "materialize", "--end", "2025-06-01T00:00:00Z", "--load");
    expect(past.status).toBe(1);
    expect(past.stdout).toMatch(/^materialize ok: 1 view, 0 rows as of 2025-06-01 00:00:00 UTC/m);
    expect(past.stderr).toMatch(/^warning: view 'driver_stats' materialized 0 rows: its rows may all be older than its ttl \(2d\)/m);
    expect(past.stderr).toMatch(/the materialization above is committed; the load failed.*Run 'fcompile load' to retry/);
    expect((await states(dir)).driver_stats).toEqual(["load-behind", "2025-06-01 00:00:00", "2025-01-01 14:00:00"]);
    // One view: its counts in the singular.
    expect((await fcompile(dir, "status")).stdout).toMatch(/\n1 of 1 view needs attention\n$/);
    const stray = await fcompile(dir, "materialize", "--force");
    expect(stray.status).toBe(2);
    expect(stray.stderr).toMatch(/--allow-empty, --force, --max-shrink and --grace-ms apply to the load: add --load/);
    // --allow-empty goes through to the load.
    expect(await ok(dir, "materialize", "--end", "2025-06-01T00:00:00Z", "--load", "--allow-empty")).toMatch(/^load ok: 1 view, 0 rows/m);
    expect((await statusOf(dir)).views[0]).toMatchObject({ state: "fresh", online: { end: "2025-06-01 00:00:00", rows: 0 } });
    expect(await ok(dir, "status")).toMatch(/\nthe 1 view fresh\n$/);
  });
});

describe("fcompile status when the online store is down", () => {
  it("shows the warehouse side and says the store could not be read", async () => {
    const dir = path.join(tmp, "down");
    init(dir);
    writeFileSync(
      path.join(dir, "fcompile.yaml"),
      "name: down\ntargets:\n  local: {type: duckdb, path: warehouse.duckdb}\nonline: {type: redis, url: 'redis://127.0.0.1:1/0'}\n",
    );
    await run({ projectDir: dir });
    await materialize({ projectDir: dir, end: "2025-01-01T12:00:00Z" });
    const r = await statusOf(dir);
    expect(r.onlineError).toMatch(
      /cannot reach the online store at redis:\/\/127\.0\.0\.1:1\/0 \(.*\): is Redis running there\? Start it, or fix the URL/,
    );
    expect(r.views.map((v) => [v.view, v.state])).toEqual([["driver_stats", "online-unknown"]]);
    expect(await ok(dir, "status")).toMatch(/^online store not readable: cannot reach the online store at redis:\/\/127\.0\.0\.1:1\/0/m);
  });
});
