/**
 * Incremental materialization of views over a push source (docs/scheduling.md, "Late rows and
 * pushes"; docs/push.md): an event pushed `online_and_offline` before the previous end E but within
 * the view's lateness is appended offline with ts < E; `materialize --incremental` reads the rows
 * from E − lateness on again, so the load that follows keeps it, and online equals training. An
 * event exactly at E − lateness is read again; one a µs earlier is late (not online; offline, so
 * training counts it until... always: a full run picks it up). A view over the same source without
 * `lateness:` is built in full. On DuckDB + SQLite and on PostgreSQL + Redis.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { get, materialize, train, verify } from "../src/index.js";
import { fcompileOk } from "./helpers/cli.js";
import { PG_URL, dropSchemas, testSchema } from "./helpers/postgres.js";
import { REDIS_URL, deleteProjectKeys, testProject } from "./helpers/redis.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const DEFS = `entities: [{name: customer, join_keys: [{name: customer_id, type: int64}]}]
sources:
  - {name: orders, path: ../data/orders.csv, timestamp: ts, push: true, dedupe_key: order_id}
feature_views:
  - name: customer_orders
    entities: [customer]
    source: orders
    lateness: 1h
    aggregations:
      - {name: n_1d, function: count, window: 1d}
      - {name: total, function: sum, column: amount, window: lifetime}
  - name: last_order
    entities: [customer]
    source: orders
    lateness: 1h
    features:
      - {name: amount, type: float64}
  - name: customer_orders_any_age
    entities: [customer]
    source: orders
    aggregations:
      - {name: n_any_1d, function: count, window: 1d}
`;
// E = 2025-06-10 12:00; lateness 1h: the horizon after the first load is 11:00.
const ORDERS =
  "order_id,customer_id,ts,amount\n" +
  "1,1001,2025-06-10 09:00:00,10\n" +
  "2,1002,2025-06-10 11:00:00,5\n" +
  "3,1003,2025-06-10 08:00:00,1\n";
const ENTITIES = [{ customer_id: 1001 }, { customer_id: 1002 }, { customer_id: 1003 }];

function project(kind: "duckdb" | "postgres"): string {
  const name = testProject("t_incr_late");
  const schema = testSchema("fc_il");
  const cfg =
    kind === "duckdb"
      ? `name: ${name}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n`
      : `name: ${name}\ntarget: pg\ntargets:\n  pg: {type: postgres, url: "${PG_URL}", schema: ${schema}}\nonline: {type: redis, url: "${REDIS_URL}"}\n`;
  const dir = tempProject({ "fcompile.yaml": cfg, "definitions/d.yml": DEFS, "data/orders.csv": ORDERS });
  cleanups.push(() => removeProject(dir));
  if (kind === "postgres") {
    cleanups.push(() => dropSchemas(schema));
    cleanups.push(() => deleteProjectKeys(name));
  }
  return dir;
}

async function push(dir: string, file: string, rows: string): Promise<string> {
  writeFileSync(path.join(dir, file), "order_id,customer_id,ts,amount\n" + rows);
  return fcompileOk(dir, "push", "--source", "orders", "--file", file, "--to", "online_and_offline");
}

/** Online values at `at`, per entity of ENTITIES: [n_1d, total, last amount, n_1d of the view without lateness]. */
async function online(dir: string, at: string): Promise<number[][]> {
  const r = await get({
    projectDir: dir,
    features: ["customer_orders:n_1d", "customer_orders:total", "last_order:amount", "customer_orders_any_age:n_any_1d"],
    entityRows: ENTITIES,
    at,
  });
  return r.rows.map((row) => ["n_1d", "total", "amount", "n_any_1d"].map((f) => Number(row.features[f]!.value)));
}

/** Training at T = `at`, in the same shape as online(). */
async function training(dir: string, at: string): Promise<number[][]> {
  const out = path.join(dir, "train.csv");
  const values = ENTITIES.map((e) => `(${e.customer_id}, TIMESTAMP '${at}')`).join(", ");
  await train({
    projectDir: dir,
    features: ["customer_orders:n_1d", "customer_orders:total", "last_order:amount", "customer_orders_any_age:n_any_1d"],
    entitiesSql: `SELECT * FROM (VALUES ${values}) AS e(customer_id, event_timestamp)`,
    out,
  });
  const [head, ...lines] = readFileSync(out, "utf8").trim().split("\n");
  expect(head).toBe("customer_id,event_timestamp,n_1d,total,amount,n_any_1d");
  return lines.map((l) => {
    const c = l.split(",");
    return [Number(c[2]), Number(c[3]), Number(c[4]), Number(c[5])];
  });
}

describe.each(["duckdb", "postgres"] as const)("incremental materialization after late pushes (%s)", (kind) => {
  it("re-reads from the previous end − lateness: online = training, verify 0 mismatches; no lateness: built in full", async () => {
    const dir = project(kind);
    for (const step of [["build"], ["run"], ["materialize", "--end", "2025-06-10 12:00"], ["load"]]) await fcompileOk(dir, ...step);
    // Before E within lateness (11:30), exactly at E − lateness (11:00, at the same time as order 2
    // of the same customer: the tie training breaks), then one after E.
    expect(await push(dir, "a.csv", "10,1001,2025-06-10 11:30:00,7\n11,1002,2025-06-10 11:00:00,9\n")).toContain(
      "online customer_orders: 2 applied, 0 late",
    );
    await push(dir, "b.csv", "12,1001,2025-06-10 12:30:00,20\n");
    const before = await online(dir, "2025-06-10 13:00");
    expect(before.map((r) => r.slice(0, 2))).toEqual([
      [3, 37],
      [2, 14],
      [1, 1],
    ]);

    const out = await fcompileOk(dir, "materialize", "--incremental", "--end", "2025-06-10 13:00", "--load");
    expect(out).toContain("customer_orders: 6 events (incremental since 2025-06-10 11:00:00)");
    expect(out).toContain("last_order: 3 entities (incremental since 2025-06-10 11:00:00)");
    expect(out).toMatch(/customer_orders_any_age: 6 events \(full\) — its source 'orders' takes pushes and it has no 'lateness:'/);

    const want = await training(dir, "2025-06-10 13:00:00");
    expect(want).toEqual([
      [3, 37, 20, 3],
      [2, 14, want[1]![2], 2], // the tie at 11:00: 5 or 9, as training breaks it
      [1, 1, 1, 1],
    ]);
    expect([5, 9]).toContain(want[1]![2]);
    expect(await online(dir, "2025-06-10 13:00")).toEqual(want);
    const v = await verify({ projectDir: dir, end: "2025-06-10 13:00", sample: 50 });
    expect(v.mismatches).toEqual([]);
    expect(v.compared).toBeGreaterThan(0);

    // A rerun of the same incremental step changes nothing (no event counted twice).
    await fcompileOk(dir, "materialize", "--incremental", "--end", "2025-06-10 13:00", "--load");
    expect(await online(dir, "2025-06-10 13:00")).toEqual(want);
  });

  it("an event a µs before previous end − lateness is late: offline only, training counts it, a full run brings it online", async () => {
    const dir = project(kind);
    for (const step of [["build"], ["run"], ["materialize", "--end", "2025-06-10 12:00"], ["load"]]) await fcompileOk(dir, ...step);
    const out = await push(dir, "late.csv", "20,1003,2025-06-10 10:59:59.999999,4\n");
    expect(out).toContain("online customer_orders: 0 applied, 1 late");
    expect(out).toContain("online last_order: 0 applied, 1 late");
    expect(out).toContain("offline: 1 appended");

    const inc = await materialize({ projectDir: dir, end: "2025-06-10 13:00", incremental: true });
    expect(inc.views.map((v) => [v.view, v.mode, v.start])).toEqual([
      ["customer_orders", "incremental", "2025-06-10 11:00:00"],
      ["last_order", "incremental", "2025-06-10 11:00:00"],
      ["customer_orders_any_age", "full", null],
    ]);
    await fcompileOk(dir, "load");
    // Training counts the late event (it is in the warehouse); the incremental state does not hold
    // it, as online never did; the view without lateness (built in full) does.
    expect(await training(dir, "2025-06-10 13:00:00")).toEqual([
      [1, 10, 10, 1],
      [1, 5, 5, 1],
      [2, 5, 4, 2],
    ]);
    expect((await online(dir, "2025-06-10 13:00"))[2]).toEqual([1, 1, 1, 2]);
    const v = await verify({ projectDir: dir, end: "2025-06-10 13:00", sample: 50 });
    expect(v.mismatches.length).toBeGreaterThan(0);

    // A full materialization reads every row: online = training again.
    await fcompileOk(dir, "materialize", "--end", "2025-06-10 13:00", "--load");
    expect((await online(dir, "2025-06-10 13:00"))[2]).toEqual([2, 5, 4, 2]);
    expect((await verify({ projectDir: dir, end: "2025-06-10 13:00", sample: 50 })).mismatches).toEqual([]);
  });
});

describe("merges after --start, and SQL over a push source (duckdb)", () => {
  const defs = `entities: [{name: customer, join_keys: [{name: customer_id, type: int64}]}]
sources:
  - {name: orders, path: ../data/orders.csv, timestamp: ts}
  - {name: pushed, path: ../data/orders.csv, timestamp: ts, push: true}
feature_views:
  - name: counts
    entities: [customer]
    source: orders
    aggregations:
      - {name: n, function: count, window: lifetime}
  - name: pushed_sql
    entities: [customer]
    timestamp: ts
    sql: pushed.sql
    features:
      - {name: amount, type: float64}
`;
  it("a --start before or after the last end neither counts an event twice nor skips one; SQL over a push source is built in full", async () => {
    const name = testProject("t_incr_start");
    const cfg = `name: ${name}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n`;
    const dir = tempProject({
      "fcompile.yaml": cfg,
      "definitions/d.yml": defs,
      "definitions/pushed.sql": 'SELECT customer_id, ts, amount FROM {{source "pushed"}}\n',
      "data/orders.csv": ORDERS,
    });
    cleanups.push(() => removeProject(dir));
    for (const step of [["build"], ["run"], ["materialize", "--end", "2025-06-10 10:00"]]) await fcompileOk(dir, ...step);
    // Events at 08:00 and 09:00 are in the state; 11:00 comes after.
    const before = await materialize({ projectDir: dir, start: "2025-06-10 08:30", end: "2025-06-10 12:00" });
    expect(before.views.map((v) => [v.view, v.mode, v.start, v.rows, v.note])).toEqual([
      ["counts", "incremental", "2025-06-10 08:30:00", 3, undefined],
      [
        "pushed_sql",
        "full",
        null,
        3,
        expect.stringMatching(/^its SQL reads push source 'pushed', whose rows pushed offline may be of any age/),
      ],
    ]);
    await fcompileOk(dir, "materialize", "--end", "2025-06-10 10:00");
    const after = await materialize({ projectDir: dir, start: "2025-06-10 11:30", end: "2025-06-10 12:00" });
    // The merge reads from the last end (10:00), not --start: the 11:00 event is kept.
    expect(after.views.map((v) => [v.view, v.mode, v.start, v.rows])).toEqual([
      ["counts", "incremental", "2025-06-10 10:00:00", 3],
      ["pushed_sql", "full", null, 3],
    ]);
  });
});
