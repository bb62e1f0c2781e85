/**
 * `fcompile push --source S --file F`: CSV, Parquet and NDJSON read with DuckDB; offline appends
 * (the DuckDB warehouse), online pushes (the SQLite store) and both; bad rows printed as
 * FILE:LINE: error FC019 with nothing written; usage errors.
 */
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fcompileIn, fcompileOk } from "./helpers/cli.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

let dir: string;
beforeAll(async () => {
  dir = tempProject(
    {
      "fcompile.yaml":
        "name: t_cli_push\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n",
      "definitions/defs.yml": `entities: [{name: customer, join_keys: [{name: customer_id, type: int64}]}]
sources:
  - {name: orders, path: ../data/orders.csv, timestamp: ts, push: true, dedupe_key: order_id}
  - {name: profiles, path: ../data/profiles.csv, timestamp: ts}
feature_views:
  - name: customer_orders
    entities: [customer]
    source: orders
    aggregations: [{name: n_30d, function: count, window: 30d}, {name: total, function: sum, column: amount, window: lifetime}]
  - {name: profile, entities: [customer], source: profiles, features: [{name: tier, type: string}]}
`,
      "data/orders.csv": "order_id,customer_id,ts,amount\n1,1001,2025-06-01 00:00:00,10.5\n2,1001,2025-06-02 00:00:00,20\n",
      "data/profiles.csv": "customer_id,ts,tier\n1001,2025-06-01 00:00:00,gold\n",
      "in/two.csv": "order_id,customer_id,ts,amount\n3,1001,2025-06-11 00:00:00,1.5\n4,1002,2025-06-11 01:00:00,2\n",
      "in/two.ndjson":
        '{"order_id": 5, "customer_id": 1001, "ts": "2025-06-12T00:00:00Z", "amount": 3}\n{"order_id": 6, "customer_id": 1002, "ts": "2025-06-12T00:00:00Z", "amount": 4.25}\n',
      "in/bad.csv":
        "order_id,customer_id,ts,amount\n7,1001,2025-06-13 00:00:00,1\n8,,2025-06-13 00:00:00,1\n9,1001,2025-06-13 00:00:00,lots\n",
      "in/notes.txt": "x\n",
      "in/extra.csv": "order_id,customer_id,ts,amount,coupon\n11,1001,2025-06-13 00:00:00,1,X\n",
      "in/nan.csv":
        "order_id,customer_id,ts,amount\n12,1001,2025-06-13 00:00:00,NaN\n13,1001,2025-06-13 00:00:00,inf\n14,1001,2025-06-13 00:00:00,-Infinity\n15,1001,2025-06-13 00:00:00,1\n",
      // A numeric µs timestamp in one row: each value keeps its JSON type (DuckDB typed the column JSON and refused the text ones).
      "in/mixed.ndjson":
        '{"order_id": 20, "customer_id": 1001, "ts": "2025-06-15T00:00:00Z", "amount": 1}\n' +
        '{"order_id": 21, "customer_id": 1001, "ts": 1749945600000000, "amount": 2}\n',
      "in/multiline.csv": 'order_id,customer_id,ts,amount\n"2\n2",1001,2025-06-13 00:00:00,1\n23,,2025-06-13 00:00:00,1\n',
      "in/blank.ndjson": '\n\n{"order_id": 24, "ts": "2025-06-13T00:00:00Z", "amount": 1}\n',
      "in/malformed.ndjson": '{"order_id": 25, "customer_id": 1001, "ts": "2025-06-13T00:00:00Z", "amount": 1}\n{"order_id": 26,\n',
      "in/nan.ndjson":
        '{"order_id": 16, "customer_id": 1001, "ts": "2025-06-13T00:00:00Z", "amount": "NaN"}\n{"order_id": 17, "customer_id": 1001, "ts": "2025-06-13T00:00:00Z", "amount": 2}\n',
    },
    "fc-cli-push-",
  );
  for (const step of [["build"], ["run"], ["materialize", "--end", "2025-06-10"], ["load"]]) await fcompileOk(dir, ...step);
  const inst = await DuckDBInstance.create(":memory:");
  const c = await inst.connect();
  await c.run(
    `COPY (SELECT 10 AS order_id, 1003 AS customer_id, TIMESTAMP '2025-06-14 00:00:00' AS ts, 9.5 AS amount) TO '${path.join(dir, "in/one.parquet")}' (FORMAT parquet)`,
  );
  c.closeSync();
  inst.closeSync();
});
afterAll(() => removeProject(dir));

async function orderIds(): Promise<number[]> {
  const inst = await DuckDBInstance.create(path.join(dir, "warehouse.duckdb"));
  const c = await inst.connect();
  try {
    return (await c.runAndReadAll("SELECT order_id FROM t_cli_push.source__orders ORDER BY 1"))
      .getRowObjectsJS()
      .map((r) => Number(r.order_id));
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

describe("fcompile push", () => {
  it("appends CSV, NDJSON and Parquet files offline; a second push of a file is all duplicates", async () => {
    expect(await fcompileOk(dir, "push", "--source", "orders", "--file", "in/two.csv", "--to", "offline")).toBe(
      "push ok: 2 rows from in/two.csv to source 'orders' (offline)\n  offline: 2 appended, 0 duplicates (dedupe_key)\n",
    );
    expect(await fcompileOk(dir, "push", "--source", "orders", "--file", "in/two.csv", "--to", "offline")).toContain(
      "offline: 0 appended, 2 duplicates (dedupe_key)",
    );
    expect(await fcompileOk(dir, "push", "--source", "orders", "--file", "in/two.ndjson", "--to", "offline")).toContain("2 appended");
    expect(await fcompileOk(dir, "push", "--source", "orders", "--file", "in/one.parquet", "--to", "offline")).toContain("1 appended");
    expect(await orderIds()).toEqual([1, 2, 3, 4, 5, 6, 10]);
  });

  it("pushes online by default: applied per view, then a read counts the pushed orders", async () => {
    const out = await fcompileOk(dir, "push", "--source", "orders", "--file", "in/two.ndjson");
    expect(out).toBe(
      "push ok: 2 rows from in/two.ndjson to source 'orders' (online)\n" +
        "  online customer_orders: 2 applied, 0 late\n" +
        "  online duplicates (dedupe_key): 0\n",
    );
    const got = JSON.parse(
      await fcompileOk(dir, "get", "--features", "customer_orders:n_30d", "--entity", "customer_id=1002", "--at", "2025-06-20"),
    ) as { rows: { features: { n_30d: { value: number } } }[] };
    expect(got.rows[0]!.features.n_30d.value).toBe(1);
  });

  it("prints every bad row as FILE:LINE (the CSV header is line 1) and writes nothing", async () => {
    const before = await orderIds();
    const r = await fcompileIn(dir, "push", "--source", "orders", "--file", "in/bad.csv", "--to", "offline");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "in/bad.csv:3: error FC019: row 2, column 'customer_id': is required (a join key of the views over the source)\n" +
        "in/bad.csv:4: error FC019: row 3, column 'amount': \"lots\" is not a number\n" +
        "2 bad rows; nothing was written.\n",
    );
    expect(r.stdout).toBe("");
    expect(await orderIds()).toEqual(before);
  });

  it("refuses a column the source does not have, and NaN or ±Infinity amounts, online and offline alike, writing nothing", async () => {
    const total = async () =>
      (
        JSON.parse(
          await fcompileOk(dir, "get", "--features", "customer_orders:total", "--entity", "customer_id=1001", "--at", "2025-06-20"),
        ) as { rows: { features: { total: { value: number } } }[] }
      ).rows[0]!.features.total.value;
    const before = await orderIds();
    const totalBefore = await total();
    const columns = "(columns: order_id, customer_id, ts, amount)";
    const notFinite = "is not a finite number; send null for a missing value";
    const push = (file: string, to: string) => fcompileIn(dir, "push", "--source", "orders", "--file", file, "--to", to);
    const extra = { online: `push source 'orders' ${columns}`, offline: `"t_cli_push"."source__orders" ${columns}` };
    for (const to of ["online", "offline"] as const) {
      const r = await push("in/extra.csv", to);
      expect([r.status, r.stdout, r.stderr]).toEqual([
        1,
        "",
        `in/extra.csv:2: error FC019: row 1, column 'coupon': no such column in ${extra[to]}\n1 bad row; nothing was written.\n`,
      ]);
      const nan = await push("in/nan.csv", to);
      expect([nan.status, nan.stdout, nan.stderr]).toEqual([
        1,
        "",
        `in/nan.csv:2: error FC019: row 1, column 'amount': NaN ${notFinite}\n` +
          `in/nan.csv:3: error FC019: row 2, column 'amount': Infinity ${notFinite}\n` +
          `in/nan.csv:4: error FC019: row 3, column 'amount': -Infinity ${notFinite}\n` +
          "3 bad rows; nothing was written.\n",
      ]);
      // NDJSON of mixed types: each value keeps its JSON type (the text "NaN", not its JSON text "\"NaN\"").
      const text = await push("in/nan.ndjson", to);
      expect([text.status, text.stdout, text.stderr]).toEqual([
        1,
        "",
        `in/nan.ndjson:1: error FC019: row 1, column 'amount': "NaN" ${notFinite}\n1 bad row; nothing was written.\n`,
      ]);
    }
    expect(await orderIds()).toEqual(before);
    expect(await total()).toBe(totalBefore);
  });

  it("reads NDJSON value by value: a numeric µs timestamp beside ISO text is taken online and offline", async () => {
    expect(await fcompileOk(dir, "push", "--source", "orders", "--file", "in/mixed.ndjson", "--to", "online_and_offline")).toBe(
      "push ok: 2 rows from in/mixed.ndjson to source 'orders' (online_and_offline)\n" +
        "  online customer_orders: 2 applied, 0 late\n" +
        "  online duplicates (dedupe_key): 0\n" +
        "  offline: 2 appended, 0 duplicates (dedupe_key)\n",
    );
    const inst = await DuckDBInstance.create(path.join(dir, "warehouse.duckdb"));
    const c = await inst.connect();
    try {
      const rows = (
        await c.runAndReadAll("SELECT order_id, CAST(ts AS VARCHAR) AS ts FROM t_cli_push.source__orders WHERE order_id >= 20 ORDER BY 1")
      ).getRowObjectsJS();
      expect(rows).toEqual([
        { order_id: 20n, ts: "2025-06-15 00:00:00" },
        { order_id: 21n, ts: "2025-06-15 00:00:00" },
      ]);
    } finally {
      c.closeSync();
      inst.closeSync();
    }
  });

  it("names each bad row by its first physical line: quoted multi-line CSV fields, blank NDJSON lines, malformed NDJSON", async () => {
    const push = (file: string) => fcompileIn(dir, "push", "--source", "orders", "--file", file, "--to", "offline");
    const ml = await push("in/multiline.csv");
    expect([ml.status, ml.stderr]).toEqual([
      1,
      "in/multiline.csv:2: error FC019: row 1, column 'order_id': \"2\\n2\" is not an integer (the column is an integer)\n" +
        "in/multiline.csv:4: error FC019: row 2, column 'customer_id': is required (a join key of the views over the source)\n" +
        "2 bad rows; nothing was written.\n",
    ]);
    const blank = await push("in/blank.ndjson");
    expect([blank.status, blank.stderr]).toEqual([
      1,
      "in/blank.ndjson:3: error FC019: row 1, column 'customer_id': is required (a join key of the views over the source)\n" +
        "1 bad row; nothing was written.\n",
    ]);
    const bad = await push("in/malformed.ndjson");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error FC011: cannot read in\/malformed.ndjson: line 2: /);
  });

  it("fails at once while another process holds the DuckDB warehouse, writing nothing, and says to push again", async () => {
    const before = await orderIds();
    const inst = await DuckDBInstance.create(path.join(dir, "warehouse.duckdb"));
    let r;
    try {
      r = await fcompileIn(dir, "push", "--source", "orders", "--file", "in/two.csv", "--to", "online_and_offline");
    } finally {
      inst.closeSync();
    }
    expect([r.status, r.stdout]).toEqual([1, ""]);
    expect(r.stderr).toMatch(
      /^error FC016: cannot open DuckDB warehouse .*warehouse\.duckdb of target 'w': .*lock.* \(another process has the warehouse open, and DuckDB lets one process write at a time: nothing was done; run the command again once that process has finished or closed it\)\n/,
    );
    expect(await orderIds()).toEqual(before);
  });

  it("refuses an unknown format and a bad --to (usage: exit 2), a source without push: true (exit 1), naming the fix", async () => {
    const txt = await fcompileIn(dir, "push", "--source", "orders", "--file", "in/notes.txt");
    expect(txt.status).toBe(2);
    expect(txt.stderr).toMatch(/error FC015: --file in\/notes.txt: give a .csv, .parquet or .ndjson \(.jsonl\) file/);
    const plain = await fcompileIn(dir, "push", "--source", "profiles", "--file", "in/two.csv", "--to", "offline");
    expect(plain.status).toBe(1);
    expect(plain.stderr).toMatch(/source 'profiles' is not a push source: add 'push: true'/);
    const to = await fcompileIn(dir, "push", "--source", "orders", "--file", "in/two.csv", "--to", "both");
    expect(to.status).toBe(2);
    expect(to.stderr).toMatch(/--to must be one of online, offline, online_and_offline \(got 'both'\)/);
    const missing = await fcompileIn(dir, "push", "--source", "orders", "--file", "in/nope.csv", "--to", "offline");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/error FC011: cannot read in\/nope.csv/);
    const help = await fcompileOk(dir, "push", "--help");
    expect(help).toMatch(/--to online_and_offline\s+offline first/);
  });
});
