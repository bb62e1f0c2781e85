/**
 * `verify` after pushes (docs/push.md, "verify after pushes"): events pushed
 * `online_and_offline` after a materialization at E — through `fcompile push` — count online at
 * once, and `verify --end E` compares the aggregation views read after E with training over the
 * events before E plus pushed__<source>: 0 mismatches. A push online only is seen as what it is, a
 * difference. On DuckDB + SQLite and on PostgreSQL + Redis. A view with `hop:` over the same source
 * is compared after the pushes too, over its widened windows [floor_hop(t − w), t).
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { get, verify } from "../src/index.js";
import { fcompileIn, fcompileOk } from "./helpers/cli.js";
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
    lateness: 10d
    aggregations:
      - {name: n_7d, function: count, window: 7d}
      - {name: big_7d, function: count, window: 7d, filter: "amount >= 10"}
      - {name: total, function: sum, column: amount, window: lifetime}
      - {name: last_amount, function: last, column: amount, window: 30d}
  - name: customer_orders_hop
    entities: [customer]
    source: orders
    lateness: 10d
    hop: 1d
    aggregations:
      - {name: n_2d, function: count, window: 2d}
      - {name: big_2d, function: count, window: 2d, filter: "amount >= 10"}
      - {name: amount_avg_7d, function: avg, column: amount, window: 7d}
      - {name: amount_max_7d, function: max, column: amount, window: 7d}
      - {name: total, function: sum, column: amount, window: lifetime}
      - {name: last_amount, function: last, column: amount, window: 30d}
`;
// Orders up to E = 2025-06-10 and some after it (in the file but never pushed: verify leaves them out).
const ORDERS =
  "order_id,customer_id,ts,amount\n" +
  "1,1001,2025-06-01 00:00:00,10.5\n2,1001,2025-06-05 00:00:00,20\n3,1002,2025-06-09 12:00:00,5\n4,1003,2025-06-02 00:00:00,1\n" +
  "5,1002,2025-06-12 00:00:00,100\n";
const PUSHED =
  "order_id,customer_id,ts,amount\n" +
  "10,1001,2025-06-10 00:00:00,7\n" + // at E exactly
  "11,1002,2025-06-11 08:00:00,12\n" +
  "12,1003,2025-06-09 00:00:00,3\n" + // before E, within lateness
  "13,1004,2025-06-15 00:00:00,50\n" + // a new customer
  "11,1002,2025-06-11 08:00:00,12\n"; // a duplicate

const ONLINE_HINT = (n: number, view = "customer_orders"): string =>
  `hint: view '${view}' holds events pushed online (for ${n} entities): if some were pushed with 'to: online' ` +
  `(the default of fcompile push, POST /push and client.push), they are not in the warehouse, so training cannot see them ` +
  `and they show here as mismatches; push with 'to: online_and_offline' ('fcompile push --to online_and_offline', ` +
  `"to": "online_and_offline" in POST /push) for training to see them too`;
const LATE_HINT = (view = "customer_orders"): string =>
  `hint: view '${view}' has 'lateness: 10d': if events pushed offline to source 'orders' were late for it, ` +
  "they are in the warehouse (training counts them) but were not written online, and show here as mismatches until " +
  "the next 'fcompile materialize' and 'fcompile load' (push reports count them as late)";

function project(kind: "duckdb" | "postgres"): { dir: string; name: string } {
  const name = testProject("t_push_verify");
  const schema = testSchema("fc_pv");
  const cfg =
    kind === "duckdb"
      ? `name: ${name}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n`
      : `name: ${name}\ntarget: pg\ntargets:\n  pg: {type: postgres, url: "${PG_URL}", schema: ${schema}}\nonline: {type: redis, url: "${REDIS_URL}"}\n`;
  const dir = tempProject({ "fcompile.yaml": cfg, "definitions/d.yml": DEFS, "data/orders.csv": ORDERS, "in/pushed.csv": PUSHED });
  cleanups.push(() => removeProject(dir));
  if (kind === "postgres") {
    cleanups.push(() => dropSchemas(schema));
    cleanups.push(() => deleteProjectKeys(name));
  }
  return { dir, name };
}

describe.each(["duckdb", "postgres"] as const)("verify after pushes (%s)", (kind) => {
  it("0 mismatches after pushes online_and_offline; a push online only shows as differences", async () => {
    const { dir } = project(kind);
    for (const step of [["build"], ["run"], ["materialize", "--end", "2025-06-10"], ["load"]]) await fcompileOk(dir, ...step);
    const out = await fcompileOk(dir, "push", "--source", "orders", "--file", "in/pushed.csv", "--to", "online_and_offline");
    expect(out).toContain("online customer_orders: 4 applied, 0 late");
    expect(out).toContain("online customer_orders_hop: 4 applied, 0 late");
    expect(out).toContain("online duplicates (dedupe_key): 1");
    expect(out).toContain("offline: 4 appended, 1 duplicate (dedupe_key)");
    const read = await get({
      projectDir: dir,
      features: ["customer_orders:n_7d", "customer_orders:total"],
      entityRows: [{ customer_id: 1002 }, { customer_id: 1004 }],
      at: "2025-06-16",
    });
    // 1002: orders 3 (06-09, 5) and 11 (pushed, 12) in [06-09, 06-16); order 5 is in the file only, never pushed.
    expect(read.rows.map((r) => [r.features.n_7d!.value, r.features.total!.value])).toEqual([
      [2n, 17],
      [1n, 50],
    ]);
    const hop = await get({
      projectDir: dir,
      features: ["customer_orders_hop:n_2d", "customer_orders_hop:total"],
      entityRows: [{ customer_id: 1002 }, { customer_id: 1004 }],
      at: "2025-06-11 12:00",
    });
    // 1002 in [floor_1d(06-09 12:00), 06-11 12:00) = [06-09, …): orders 3 (06-09 12:00) and 11 (pushed, 06-11 08:00).
    expect(hop.rows.map((r) => [r.features.n_2d!.value, r.features.total!.value])).toEqual([
      [2n, 17],
      [0n, null],
    ]);
    const v = await verify({ projectDir: dir, end: "2025-06-10", sample: 50 });
    expect(v.mismatches).toEqual([]);
    expect(v.compared).toBeGreaterThan(0);
    expect(v.laterReads).toBeGreaterThan(0);

    // An order pushed online only is not in the warehouse: verify reports the difference.
    const online = path.join(dir, "in/online-only.csv");
    await import("node:fs").then((fs) => fs.writeFileSync(online, "order_id,customer_id,ts,amount\n20,1001,2025-06-10 01:00:00,30\n"));
    await fcompileOk(dir, "push", "--source", "orders", "--file", "in/online-only.csv");
    const after = await fcompileIn(dir, "verify", "--end", "2025-06-10", "--sample", "50");
    expect(after.status).toBe(1);
    expect(after.stdout + after.stderr).toMatch(/customer_orders:n_7d/);
    expect(after.stdout + after.stderr).toMatch(/customer_orders_hop:n_2d/);
    // verify says where such differences come from: pushes online only, and late events.
    const hints = (out: string) => out.split("\n").filter((l) => l.startsWith("hint: "));
    // No lateness hint: every row pushed offline is within 10d of the views' newest event time (06-15), so none was late.
    const want = [ONLINE_HINT(3), ONLINE_HINT(3, "customer_orders_hop")];
    expect(hints(after.stdout)).toEqual(want);
    expect((await verify({ projectDir: dir, end: "2025-06-10", sample: 50 })).hints).toEqual(want.map((h) => h.slice(6)));
  });

  it("no hint when nothing differs; a late event pushed online_and_offline gets the lateness hint alone", async () => {
    const { dir } = project(kind);
    for (const step of [["build"], ["run"], ["materialize", "--end", "2025-06-10"], ["load"]]) await fcompileOk(dir, ...step);
    const v = await verify({ projectDir: dir, end: "2025-06-10", sample: 50 });
    expect([v.mismatches, v.hints]).toEqual([[], []]);
    // A late event pushed online_and_offline: in the warehouse, skipped online; the view holds no pushed event.
    const late = path.join(dir, "in/late.csv");
    await import("node:fs").then((fs) => fs.writeFileSync(late, "order_id,customer_id,ts,amount\n30,1001,2025-05-20 00:00:00,8\n"));
    const out = await fcompileOk(dir, "push", "--source", "orders", "--file", "in/late.csv", "--to", "online_and_offline");
    expect(out).toContain("online customer_orders: 0 applied, 1 late");
    const r = await fcompileIn(dir, "verify", "--end", "2025-06-10", "--sample", "50");
    expect(r.status).toBe(1);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("hint: "))).toEqual([LATE_HINT(), LATE_HINT("customer_orders_hop")]);
  });
});
