/**
 * Offline pushes (docs/push.md, "Offline") on DuckDB and PostgreSQL: rows appended where training
 * reads the source (a file source's table, or the user's table) and kept in pushed__<source>,
 * which `run` unions back in; dedupe by dedupe_key; one transaction; bad rows all reported with
 * nothing written.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject, run } from "../src/index.js";
import { pushRows, pushSession } from "../src/commands/push.js";
import { PushRowsRejected } from "../src/commands/push-offline.js";
import { DuckDBInstance } from "@duckdb/node-api";
import path from "node:path";
import { PG_URL, dropSchemas, testSchema, withPg } from "./helpers/postgres.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const schemas: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await dropSchemas(...schemas);
  dirs.forEach(removeProject);
});

const DEFS = (tableSource: string) => `entities:
  - {name: customer, join_keys: [{name: customer_id, type: int64}]}
sources:
  - {name: orders, path: ../data/orders.csv, timestamp: ts, push: true, dedupe_key: order_id}
  - {name: refunds, table: ${tableSource}, timestamp: ts, push: true}
feature_views:
  - name: customer_orders
    entities: [customer]
    source: orders
    aggregations:
      - {name: n_30d, function: count, window: 30d}
      - {name: total, function: sum, column: amount, window: lifetime}
  - {name: last_refund, entities: [customer], source: refunds, features: [{name: refund, type: float64}]}
`;
const ORDERS =
  "order_id,customer_id,ts,amount\n1,1001,2025-06-01 00:00:00,10.5\n2,1001,2025-06-02 00:00:00,20\n3,1002,2025-06-03 00:00:00,5\n";

interface Case {
  dir: string;
  /** Rows of a query, as objects with numbers (bigints as numbers) and timestamps as text. */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** The fcompile schema, quoted. */
  s: string;
  refunds: string;
}

async function duckCase(): Promise<Case> {
  const dir = tempProject({
    "fcompile.yaml": "name: t\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\n",
    "definitions/d.yml": DEFS("raw.refunds"),
    "data/orders.csv": ORDERS,
  });
  dirs.push(dir);
  const file = path.join(dir, "warehouse.duckdb");
  const rows = async (sql: string): Promise<Record<string, unknown>[]> => {
    const inst = await DuckDBInstance.create(file);
    const c = await inst.connect();
    try {
      await c.run("SET TimeZone = 'UTC'");
      return (await c.runAndReadAll(sql)).getRowObjectsJS().map(plain);
    } finally {
      c.closeSync();
      inst.closeSync();
    }
  };
  await rows("CREATE SCHEMA raw; CREATE TABLE raw.refunds (customer_id BIGINT, ts TIMESTAMP, refund DOUBLE); SELECT 1");
  return { dir, rows, s: '"t"', refunds: "raw.refunds" };
}

async function pgCase(): Promise<Case> {
  const schema = testSchema("fc_push");
  const raw = testSchema("fc_pushraw");
  schemas.push(schema, raw);
  const dir = tempProject({
    "fcompile.yaml": `name: t\ntarget: pg\ntargets:\n  pg: {type: postgres, url: "${PG_URL}", schema: ${schema}}\n`,
    "definitions/d.yml": DEFS(`${raw}.refunds`),
    "data/orders.csv": ORDERS,
  });
  dirs.push(dir);
  const rows = (sql: string): Promise<Record<string, unknown>[]> =>
    withPg(async (c) => {
      await c.query("SET TimeZone = 'UTC'");
      const r = await c.query({
        text: sql,
        types: { getTypeParser: (oid: number) => (oid === 20 ? Number : (v: string) => pgValue(oid, v)) },
      });
      return (Array.isArray(r) ? r[r.length - 1] : r).rows.map(plain);
    });
  await rows(`CREATE SCHEMA "${raw}"; CREATE TABLE "${raw}".refunds (customer_id BIGINT, ts TIMESTAMP, refund DOUBLE PRECISION)`);
  return { dir, rows, s: `"${schema}"`, refunds: `"${raw}".refunds` };
}

/** Numbers as numbers, the rest as text (the tests compare timestamps as text). */
function pgValue(oid: number, v: string): unknown {
  return [21, 23, 700, 701, 1700].includes(oid) ? Number(v) : oid === 16 ? v === "t" : v;
}

function plain(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k] = typeof v === "bigint" ? Number(v) : v instanceof Date ? v.toISOString() : v;
  return out;
}

async function session(dir: string) {
  const { config, registry } = await loadProject(dir);
  return pushSession(config, registry);
}

describe.each([
  ["duckdb", duckCase],
  ["postgres", pgCase],
] as const)("offline push on %s", (_name, make) => {
  it("appends to source__<name> and pushed__<name>, skips duplicates by dedupe_key, and `run` keeps pushed rows", async () => {
    const c = await make();
    await run({ projectDir: c.dir });
    const s = await session(c.dir);
    const rows = [
      { order_id: 2, customer_id: 1001, ts: "2025-06-02T00:00:00Z", amount: 20 }, // already in the file
      { order_id: 4, customer_id: 1002, ts: "2025-06-04T12:00:00+02:00", amount: "7.25" },
      { order_id: 4, customer_id: 1002, ts: "2025-06-04T10:00:00Z", amount: 7.25 }, // twice in the request
    ];
    const r = await pushRows(s, "orders", rows, "offline");
    expect(r.offline).toEqual({ appended: 1, duplicates: 2 });
    const q = `SELECT order_id, customer_id, CAST(ts AS VARCHAR) AS ts, amount FROM ${c.s}.source__orders ORDER BY order_id`;
    const after = await c.rows(q);
    expect(after.map((x) => x.order_id)).toEqual([1, 2, 3, 4]);
    expect(after[3]).toMatchObject({ customer_id: 1002, amount: 7.25 });
    expect(String(after[3]!.ts)).toMatch(/^2025-06-04 10:00:00/);
    expect((await c.rows(`SELECT order_id FROM ${c.s}.pushed__orders`)).map((x) => x.order_id)).toEqual([4]);

    // A retry appends nothing; a re-run rebuilds source__orders from the file plus the pushed rows.
    expect((await pushRows(s, "orders", rows, "offline")).offline).toEqual({ appended: 0, duplicates: 3 });
    await run({ projectDir: c.dir });
    expect((await c.rows(q)).map((x) => x.order_id)).toEqual([1, 2, 3, 4]);
  });

  it("refuses bad rows, every one with its row number, and writes nothing", async () => {
    const c = await make();
    await run({ projectDir: c.dir });
    const s = await session(c.dir);
    const count = async () => (await c.rows(`SELECT count(*) AS n FROM ${c.s}.source__orders`))[0]!.n;
    const bad = [
      { order_id: 10, customer_id: 1001, ts: "2025-06-05", amount: 1 },
      { order_id: 11, ts: "2025-06-05", amount: 1 },
      { order_id: 12, customer_id: 1001, ts: "yesterday", amount: 1 },
      { order_id: 13, customer_id: 1001, ts: "2025-06-05", amount: 1, colour: "red" },
    ];
    const err = await pushRows(s, "orders", bad, "offline").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushRowsRejected);
    expect((err as PushRowsRejected).problems.map((p) => [p.row, p.column])).toEqual([
      [2, "customer_id"],
      [3, "ts"],
      [4, "colour"],
    ]);
    // Values the warehouse cannot cast are found by the warehouse, each with its row.
    const uncastable = [
      { order_id: 20, customer_id: 1001, ts: "2025-06-05", amount: 1 },
      { order_id: 21, customer_id: "x1001", ts: "2025-06-05", amount: 1 },
      { order_id: 22, customer_id: 1001, ts: "2025-06-05", amount: "lots" },
    ];
    const err2 = await pushRows(s, "orders", uncastable, "offline").catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(PushRowsRejected);
    expect((err2 as PushRowsRejected).problems.map((p) => [p.row, p.column])).toEqual([
      [2, "customer_id"],
      [3, "amount"],
    ]);
    expect((err2 as PushRowsRejected).problems[1]!.reason).toBe('"lots" is not a number');
    expect(await count()).toBe(3);
    expect(await c.rows(`SELECT * FROM ${c.s}.pushed__orders`)).toEqual([]);
  });

  it("concurrent pushes of the same events append each once (one transaction each, under run's lock)", async () => {
    const c = await make();
    await run({ projectDir: c.dir });
    const rows = Array.from({ length: 50 }, (_, i) => ({ order_id: 100 + i, customer_id: 1001 + (i % 3), ts: "2025-06-20", amount: i }));
    const sessions = await Promise.all([session(c.dir), session(c.dir), session(c.dir)]);
    // DuckDB allows one writer process; a second instance in this process would conflict: its pushes go one after another.
    const results =
      _name === "postgres"
        ? await Promise.all(sessions.map((s) => pushRows(s, "orders", rows, "offline")))
        : [await pushRows(sessions[0]!, "orders", rows, "offline"), await pushRows(sessions[1]!, "orders", rows, "offline")];
    expect(results.reduce((n, r) => n + r.offline!.appended, 0)).toBe(50);
    expect((await c.rows(`SELECT count(*) AS n FROM ${c.s}.source__orders WHERE order_id >= 100`))[0]!.n).toBe(50);
    expect((await c.rows(`SELECT count(*) AS n FROM ${c.s}.pushed__orders`))[0]!.n).toBe(50);
  });

  it("refuses NaN and ±Infinity in a float column (numbers and text), naming the row; nothing written", async () => {
    const c = await make();
    await run({ projectDir: c.dir });
    const s = await session(c.dir);
    const at = "2025-06-05 00:00:00";
    const rows = [NaN, Infinity, "-inf", "NaN", 2.5].map((refund) => ({ customer_id: 1001, ts: at, refund }));
    const err = await pushRows(s, "refunds", rows, "offline").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushRowsRejected);
    const why = "is not a finite number; send null for a missing value";
    expect((err as PushRowsRejected).problems).toEqual([
      { row: 1, column: "refund", reason: `NaN ${why}` },
      { row: 2, column: "refund", reason: `Infinity ${why}` },
      { row: 3, column: "refund", reason: `"-inf" ${why}` },
      { row: 4, column: "refund", reason: `"NaN" ${why}` },
    ]);
    expect(await c.rows(`SELECT customer_id, refund FROM ${c.refunds}`)).toEqual([]);
  });

  it("appends to the user's table of a table source; refuses a source without push: true", async () => {
    const c = await make();
    await run({ projectDir: c.dir });
    const s = await session(c.dir);
    const r = await pushRows(s, "refunds", [{ customer_id: 1001, ts: "2025-06-05 00:00:00", refund: 3.5 }], "offline");
    expect(r.offline).toEqual({ appended: 1, duplicates: 0 });
    expect(await c.rows(`SELECT customer_id, refund FROM ${c.refunds}`)).toEqual([{ customer_id: 1001, refund: 3.5 }]);
    expect(await c.rows(`SELECT customer_id, refund FROM ${c.s}.pushed__refunds`)).toEqual([{ customer_id: 1001, refund: 3.5 }]);
    await expect(pushRows(s, "nope", [], "offline")).rejects.toThrow(/no source named 'nope'/);
  });
});

describe("an offline push killed midway (PostgreSQL)", () => {
  it("leaves nothing: not in source__<name>, not in pushed__<name>", async () => {
    const c = await pgCase();
    await run({ projectDir: c.dir });
    // Every order id starts with a marker of this test: its staging statements (a batch of rows
    // each, seconds in all) are found in pg_stat_activity by it.
    const marker = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
    const lines = ["order_id,customer_id,ts,amount"];
    for (let i = 0; i < 200_000; i++)
      lines.push(`${marker}${String(i).padStart(6, "0")},${1001 + (i % 50)},2025-06-20 00:00:00,${i % 100}`);
    writeFileSync(path.join(c.dir, "big.csv"), lines.join("\n") + "\n");
    const child = spawn(
      process.execPath,
      [path.resolve("bin/fcompile"), "push", "--source", "orders", "--file", "big.csv", "--to", "offline"],
      {
        cwd: c.dir,
        stdio: "ignore",
      },
    );
    let done = false;
    const exited = new Promise((r) => child.once("exit", r)).then(() => (done = true));
    // Kill it while its transaction stages rows.
    for (;;) {
      const seen = await c.rows(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'INSERT INTO fc_push_stage VALUES%, ''${marker}%'`,
      );
      if (Number(seen[0]!.n) > 0) break;
      if (done) throw new Error("the push ended before it was seen staging rows");
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    await exited;
    // The server notices the dead client (client_connection_check_interval) and rolls back.
    for (let i = 0; i < 100; i++) {
      const busy = await c.rows(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE '%fc_push_stage%' AND state <> 'idle' AND pid <> pg_backend_pid()`,
      );
      if (Number(busy[0]!.n) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await c.rows(`SELECT count(*) AS n FROM ${c.s}.source__orders`))[0]!.n).toBe(3);
    expect((await c.rows(`SELECT count(*) AS n FROM ${c.s}.pushed__orders`))[0]!.n).toBe(0);
  }, 120_000);
});
