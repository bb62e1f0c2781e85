/**
 * `verify` after pushes to a plain view (docs/push.md, "verify after pushes"): the online read of
 * a plain view serves its latest row, pushed after the end or not, so verify reads it at the
 * newest event time pushed to it, T, against training at T over the rows at or before the end plus
 * those pushed offline, its ttl evaluated at T. And the push hints say what verify can tell: the
 * lateness hint only when rows pushed offline may have been late, the online-push hint also for an
 * event pushed online only before the end (into the loaded state, not the push area), known by its
 * dedupe_key. On DuckDB + SQLite and on PostgreSQL + Redis.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verify } from "../src/index.js";
import { fcompileIn, fcompileOk } from "./helpers/cli.js";
import { PG_URL, dropSchemas, testSchema } from "./helpers/postgres.js";
import { REDIS_URL, deleteProjectKeys, testProject } from "./helpers/redis.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const DEFS = `entities: [{name: driver, join_keys: [{name: driver_id, type: int64}]}]
sources:
  - {name: trips, path: ../data/trips.csv, timestamp: ts, push: true, dedupe_key: trip_id}
feature_views:
  - name: driver_last_trip
    entities: [driver]
    source: trips
    ttl: 15m
    features: [{name: fare, type: float64}]
  - name: driver_trips
    entities: [driver]
    source: trips
    lateness: 1h
    aggregations:
      - {name: n_1d, function: count, window: 1d}
      - {name: fare_last, function: last, column: fare, window: 1d}
feature_services:
  - {name: last_fare, features: [driver_last_trip:fare]}
`;
// E = 12:00. 1001's last trip before E is at 11:55 (7.25); 1002's at 11:50 (4.5): inside the 15m ttl
// at E, outside it at 12:10. The 12:05 trip is in the file only (after E, never pushed).
const TRIPS =
  "trip_id,driver_id,ts,fare\n" +
  "1,1001,2025-01-01 11:00:00,3\n2,1001,2025-01-01 11:55:00,7.25\n3,1002,2025-01-01 11:50:00,4.5\n" +
  "4,1003,2025-01-01 10:00:00,6\n5,1003,2025-01-01 12:05:00,9\n";

function project(kind: "duckdb" | "postgres"): string {
  const name = testProject("t_verify_plain");
  const schema = testSchema("fc_vp");
  const cfg =
    kind === "duckdb"
      ? `name: ${name}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n`
      : `name: ${name}\ntarget: pg\ntargets:\n  pg: {type: postgres, url: "${PG_URL}", schema: ${schema}}\nonline: {type: redis, url: "${REDIS_URL}"}\n`;
  const dir = tempProject({ "fcompile.yaml": cfg, "definitions/d.yml": DEFS, "data/trips.csv": TRIPS });
  cleanups.push(() => removeProject(dir));
  if (kind === "postgres") {
    cleanups.push(() => dropSchemas(schema));
    cleanups.push(() => deleteProjectKeys(name));
  }
  return dir;
}

async function loaded(dir: string): Promise<void> {
  for (const step of [["build"], ["run"], ["materialize", "--end", "2025-01-01T12:00:00Z"], ["load"]]) await fcompileOk(dir, ...step);
}

function push(dir: string, rows: string, ...to: string[]): Promise<string> {
  writeFileSync(path.join(dir, "in.csv"), `trip_id,driver_id,ts,fare\n${rows}\n`);
  return fcompileOk(dir, "push", "--source", "trips", "--file", "in.csv", ...to);
}

const TO_ONLINE = "pushed with 'to: online' (the default of fcompile push, POST /push and client.push)";
const PUSH_WITH =
  `push with 'to: online_and_offline' ('fcompile push --to online_and_offline', "to": "online_and_offline" in POST /push) ` +
  "for training to see them too";
const hints = (out: string): string[] => out.split("\n").filter((l) => l.startsWith("hint: "));

describe.each(["duckdb", "postgres"] as const)("verify after pushes to a plain view (%s)", (kind) => {
  it("a push online_and_offline after the end: the plain view is read at the newest pushed time, 0 mismatches", async () => {
    const dir = project(kind);
    await loaded(dir);
    expect(await push(dir, "51,1001,2025-01-01 12:10:00,2", "--to", "online_and_offline")).toContain(
      "offline: 1 appended, 0 duplicates (dedupe_key)",
    );
    const r = await fcompileIn(dir, "verify", "--end", "2025-01-01T12:00:00Z");
    expect([r.status, r.stdout, r.stderr]).toEqual([
      0,
      "verify ok: 27 values of 3 entities compared at the end and 3 later read times (aggregation views) " +
        "(23 PRESENT, 2 NULL_VALUE, 1 NOT_FOUND, 1 OUTSIDE_MAX_AGE), 0 mismatches\n",
      "",
    ]);
    // The plain view at 12:10: 1001's pushed 2; 1002's 11:50 row past its 15m ttl (OUTSIDE_MAX_AGE online, null in
    // training); 1003 not loaded (its 10:00 row was past the ttl at the end; its 12:05 file row never pushed).
    const v = await verify({ projectDir: dir, end: "2025-01-01T12:00:00Z", service: undefined });
    expect(v.mismatches).toEqual([]);
  });

  it("events pushed online only before the end: the online-push hints, and no lateness hint", async () => {
    const dir = project(kind);
    await loaded(dir);
    // Before the end: into driver_trips's loaded state (not its push area); 1002's also into driver_last_trip.
    await push(dir, "60,1003,2025-01-01 11:30:00,3\n61,1002,2025-01-01 11:58:00,1");
    const r = await fcompileIn(dir, "verify", "--end", "2025-01-01T12:00:00Z");
    expect(r.status).toBe(1);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("mismatch: "))).toEqual([
      'mismatch: {"driver_id":1003} driver_trips:n_1d: training 1, online 2 (PRESENT)',
      'mismatch: {"driver_id":1003} driver_trips:fare_last: training 6, online 3 (PRESENT)',
      'mismatch: {"driver_id":1002} driver_last_trip:fare: training 4.5, online 1 (PRESENT)',
      'mismatch: {"driver_id":1002} driver_trips:n_1d: training 1, online 2 (PRESENT)',
      'mismatch: {"driver_id":1002} driver_trips:fare_last: training 4.5, online 1 (PRESENT)',
      'mismatch: {"driver_id":1003} driver_trips:n_1d at 2025-01-01 12:01:00: training 1, online 2 (PRESENT)',
      'mismatch: {"driver_id":1003} driver_trips:fare_last at 2025-01-01 12:01:00: training 6, online 3 (PRESENT)',
      'mismatch: {"driver_id":1002} driver_trips:n_1d at 2025-01-01 12:01:00: training 1, online 2 (PRESENT)',
      'mismatch: {"driver_id":1002} driver_trips:fare_last at 2025-01-01 12:01:00: training 4.5, online 1 (PRESENT)',
      'mismatch: {"driver_id":1003} driver_trips:n_1d at 2025-01-02 00:00:00: training 1, online 2 (PRESENT)',
      'mismatch: {"driver_id":1003} driver_trips:fare_last at 2025-01-02 00:00:00: training 6, online 3 (PRESENT)',
      'mismatch: {"driver_id":1002} driver_trips:n_1d at 2025-01-02 00:00:00: training 1, online 2 (PRESENT)',
      'mismatch: {"driver_id":1002} driver_trips:fare_last at 2025-01-02 00:00:00: training 4.5, online 1 (PRESENT)',
    ]);
    // driver_trips holds nothing in its push area; the store's pushed ids say what the warehouse lacks. Nothing was
    // pushed offline: no lateness hint (run's empty pushed__trips is no cause).
    expect(hints(r.stdout)).toEqual([
      `hint: view 'driver_last_trip' holds events pushed online (for 2 entities): if some were ${TO_ONLINE}, they are not in ` +
        `the warehouse, so training cannot see them and they show here as mismatches; ${PUSH_WITH}`,
      `hint: view 'driver_trips' reads source 'trips', and the online store keeps 2 events pushed to it (known by 'trip_id') ` +
        `that are not in the warehouse: if they were ${TO_ONLINE}, training cannot see them, and they show here as mismatches; ${PUSH_WITH}`,
    ]);
    expect(r.stdout.split("\n").at(-2)).toBe(
      "verify FAILED: 27 values of 3 entities compared at the end and 3 later read times (aggregation views) " +
        "(23 PRESENT, 3 NULL_VALUE, 1 OUTSIDE_MAX_AGE), 13 mismatches",
    );
    // One feature: one mismatch, said in the singular.
    const one = await fcompileIn(dir, "verify", "--end", "2025-01-01T12:00:00Z", "--service", "last_fare");
    expect([one.status, one.stdout]).toEqual([
      1,
      `mismatch: {"driver_id":1002} driver_last_trip:fare: training 4.5, online 1 (PRESENT)\n` +
        `hint: view 'driver_last_trip' holds events pushed online (for 2 entities): if some were ${TO_ONLINE}, they are not in ` +
        `the warehouse, so training cannot see them and they show here as mismatches; ${PUSH_WITH}\n` +
        "verify FAILED: 3 values of 3 entities compared at the end (2 PRESENT, 1 OUTSIDE_MAX_AGE), 1 mismatch\n",
    ]);
  });
});
