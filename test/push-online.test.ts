/**
 * Pushes online (docs/push.md), named cases on every online store: a push updates aggregation and
 * plain views over its source at once; lateness in event time (an event exactly at newest −
 * lateness is on time, one µs earlier is late); an event before the materialization's end but
 * within lateness counts at once; dedupe_key makes a retry count once; a bad row writes nothing
 * and every bad row is listed; NULL values and a NULL filter; a load after pushes keeps the pushed
 * events newer than its end; concurrent pushes to one entity lose nothing.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createOnlineClient, PushRowsError } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { clean, load, materialize, run } from "../src/index.js";
import { projectKeys } from "./helpers/redis.js";
import { STORE_TYPES, TEST_STORES } from "./helpers/online-stores.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeProject));

function project(store: (typeof STORE_TYPES)[number], name: string, lateness = "1h"): string {
  const dir = tempProject({
    "fcompile.yaml": `name: ${name}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: ${TEST_STORES[store].yaml}\n`,
    "definitions/d.yml": [
      "entities: [{name: customer, join_keys: [{name: customer_id, type: int64}]}]",
      "sources: [{name: orders, path: ../data/orders.csv, timestamp: ts, push: true, dedupe_key: order_id}]",
      "feature_views:",
      `  - name: agg`,
      `    entities: [customer]`,
      `    source: orders`,
      `    lateness: ${lateness}`,
      `    aggregations:`,
      `      - {name: n_1d, function: count, window: 1d}`,
      `      - {name: total, function: sum, column: amount, window: lifetime}`,
      `      - {name: paid_30d, function: count, window: 30d, filter: "status = 'paid'"}`,
      `      - {name: amounts_30d, function: count, column: amount, window: 30d}`,
      `  - name: last_order`,
      `    entities: [customer]`,
      `    source: orders`,
      `    ttl: 30d`,
      `    features: [{name: amount, type: float64}, {name: status, type: string}]`,
    ].join("\n"),
    "data/orders.csv": [
      "customer_id,order_id,amount,status,ts",
      "1,o1,10.0,paid,2025-01-01 10:00:00",
      "1,o2,5.0,open,2025-01-01 11:00:00",
      "2,o3,7.0,paid,2025-01-01 09:00:00",
    ].join("\n"),
  });
  dirs.push(dir);
  return dir;
}

async function setUp(store: (typeof STORE_TYPES)[number], lateness?: string): Promise<{ client: OnlineClient; dir: string; name: string }> {
  const name = `t_push_${store}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const dir = project(store, name, lateness);
  await run({ projectDir: dir });
  await materialize({ projectDir: dir, end: "2025-01-02" });
  await load({ projectDir: dir, graceMs: 0 });
  const client = await createOnlineClient({ project: name, store: TEST_STORES[store].config(dir) as never, timeoutMs: 5000 });
  return { client, dir, name };
}

async function read2(client: OnlineClient): Promise<Record<string, unknown>> {
  const res = await client.getOnlineFeatures({
    features: ["agg:total"],
    entityRows: [{ customer_id: 1 }, { customer_id: 2 }],
    at: "2025-01-03",
  });
  return { total: (res.rows[0]!.features.total!.value as number) + (res.rows[1]!.features.total!.value as number) };
}

async function read(client: OnlineClient, at: string, id = 1): Promise<Record<string, unknown>> {
  const res = await client.getOnlineFeatures({
    features: ["agg:n_1d", "agg:total", "agg:paid_30d", "agg:amounts_30d", "last_order:amount", "last_order:status"],
    entityRows: [{ customer_id: id }],
    at,
  });
  return Object.fromEntries(Object.entries(res.rows[0]!.features).map(([k, v]) => [k, v.status === "PRESENT" ? v.value : v.status]));
}

describe("push online: named cases", () => {
  for (const store of STORE_TYPES) {
    it(`${store}: a push updates the aggregation and plain views at once; a retry with dedupe_key counts once`, async () => {
      const { client, name } = await setUp(store);
      try {
        expect(await read(client, "2025-01-02 01:00")).toEqual({
          n_1d: 2n,
          total: 15,
          paid_30d: 1n,
          amounts_30d: 2n,
          amount: 5,
          status: "open",
        });
        const rows = [{ customer_id: 1, order_id: "o4", amount: 20, status: "paid", ts: "2025-01-02 00:30:00" }];
        expect(await client.push("orders", rows)).toEqual({
          rows: 1,
          applied: { agg: 1, last_order: 1 },
          late: { agg: 0, last_order: 0 },
          duplicates: 0,
        });
        expect(await read(client, "2025-01-02 01:00")).toEqual({
          n_1d: 3n,
          total: 35,
          paid_30d: 2n,
          amounts_30d: 3n,
          amount: 20,
          status: "paid",
        });
        // The event at its own time is not in the window [t − w, t): a read at its time does not count it.
        expect((await read(client, "2025-01-02 00:30:00")).total).toBe(15);
        // A retry: a duplicate, nothing changes.
        expect(await client.push("orders", rows)).toEqual({
          rows: 1,
          applied: { agg: 0, last_order: 0 },
          late: { agg: 0, last_order: 0 },
          duplicates: 1,
        });
        expect((await read(client, "2025-01-02 01:00")).total).toBe(35);
      } finally {
        await client.close();
        await TEST_STORES[store].cleanup(name);
      }
    });

    it(`${store}: lateness in event time: exactly at newest − lateness is on time, a µs earlier is late; before the end but within lateness counts`, async () => {
      const { client, name } = await setUp(store);
      try {
        // newest = the end (2025-01-02 00:00); lateness 1h.
        const r = await client.push("orders", [
          { customer_id: 1, order_id: "a", amount: 1, status: "paid", ts: "2025-01-01 23:00:00" },
          { customer_id: 1, order_id: "b", amount: 2, status: "paid", ts: "2025-01-01 22:59:59.999999" },
          { customer_id: 1, order_id: "c", amount: 4, status: "paid", ts: "2025-01-02 05:00:00" },
          // newest is now 05:00: 03:59:59 is late, 04:00 is not.
          { customer_id: 1, order_id: "d", amount: 8, status: "paid", ts: "2025-01-02 03:59:59" },
          { customer_id: 1, order_id: "e", amount: 16, status: "paid", ts: "2025-01-02 04:00:00" },
        ]);
        // last_order has no lateness: nothing is late for it.
        expect(r).toEqual({ rows: 5, applied: { agg: 3, last_order: 5 }, late: { agg: 2, last_order: 0 }, duplicates: 0 });
        const got = await read(client, "2025-01-02 06:00");
        expect(got.total).toBe(15 + 1 + 4 + 16);
        expect(got.amount).toBe(4);
      } finally {
        await client.close();
        await TEST_STORES[store].cleanup(name);
      }
    });

    it(`${store}: a bad row writes nothing and every bad row is listed; NULL values and a NULL filter`, async () => {
      const { client, name } = await setUp(store);
      try {
        const bad = client.push("orders", {
          customer_id: [1, "x", null, 1],
          order_id: ["p", "q", "r", "s"],
          amount: [1, 2, 3, "lots"],
          status: ["paid", "paid", "paid", "paid"],
          ts: ["2025-01-02 01:00", "2025-01-02 01:00", "2025-01-02 01:00", "yesterday"],
        });
        await expect(bad).rejects.toBeInstanceOf(PushRowsError);
        const problems = await bad.then(
          () => [],
          (e: PushRowsError) => e.problems,
        );
        expect(problems.map((p) => [p.row, p.column])).toEqual([
          [2, "customer_id"],
          [3, "customer_id"],
          [4, "ts"],
          [4, "amount"],
        ]);
        expect((await read(client, "2025-01-02 02:00")).total).toBe(15);
        // NULL amount and status: counted as an event, not as an amount; a NULL filter is false.
        await client.push("orders", [{ customer_id: 1, order_id: "n", amount: null, status: null, ts: "2025-01-02 01:00" }]);
        expect(await read(client, "2025-01-02 02:00")).toEqual({
          n_1d: 3n,
          total: 15,
          paid_30d: 1n,
          amounts_30d: 2n,
          amount: "NULL_VALUE",
          status: "NULL_VALUE",
        });
      } finally {
        await client.close();
        await TEST_STORES[store].cleanup(name);
      }
    });

    it(`${store}: a column the source does not have, and NaN or ±Infinity in a float column, are bad rows (rows and columns); nothing written`, async () => {
      const { client, name } = await setUp(store);
      try {
        const problems = (rows: Parameters<OnlineClient["push"]>[1]) =>
          client.push("orders", rows).then(
            () => {
              throw new Error("the push was accepted");
            },
            (e: PushRowsError) => {
              expect(e).toBeInstanceOf(PushRowsError);
              return e.problems;
            },
          );
        const noSuch = "no such column in push source 'orders' (columns: customer_id, order_id, amount, status, ts)";
        const notFinite = (v: string) => `${v} is not a finite number; send null for a missing value`;
        const at = "2025-01-02 01:00";
        expect(
          await problems([
            { customer_id: 1, order_id: "x1", amount: 1, status: "paid", ts: at, coupon: "A" },
            { customer_id: 1, order_id: "x2", amount: NaN, ts: at, coupon: "B", note: "" },
            { customer_id: 1, order_id: "x3", amount: Infinity, ts: at },
            { customer_id: 1, order_id: "x4", amount: "-inf", ts: at },
            { customer_id: 1, order_id: "x5", amount: "NaN", ts: at },
            { customer_id: 1, order_id: "x6", amount: "1e999", ts: at },
          ]),
        ).toEqual([
          { row: 1, column: "coupon", reason: noSuch },
          { row: 2, column: "note", reason: noSuch },
          { row: 2, column: "amount", reason: notFinite("NaN") },
          { row: 3, column: "amount", reason: notFinite("Infinity") },
          { row: 4, column: "amount", reason: notFinite('"-inf"') },
          { row: 5, column: "amount", reason: notFinite('"NaN"') },
          { row: 6, column: "amount", reason: notFinite('"1e999"') },
        ]);
        // Columns: the column set is checked once, at the first row.
        expect(
          await problems({ customer_id: [1, 1], order_id: ["y1", "y2"], amount: [1, -Infinity], ts: [at, at], coupon: [null, null] }),
        ).toEqual([
          { row: 1, column: "coupon", reason: noSuch },
          { row: 2, column: "amount", reason: notFinite("-Infinity") },
        ]);
        expect((await read(client, "2025-01-02 02:00")).total).toBe(15);
        expect(await client.push("orders", [{ customer_id: 1, order_id: "ok", amount: 2.5, status: "paid", ts: at }])).toMatchObject({
          applied: { agg: 1, last_order: 1 },
        });
        expect((await read(client, "2025-01-02 02:00")).total).toBe(17.5);
      } finally {
        await client.close();
        await TEST_STORES[store].cleanup(name);
      }
    });

    it(`${store}: a load after pushes keeps the pushed events newer than its end; a push to a source that is not a push source is refused`, async () => {
      const { client, dir, name } = await setUp(store, "30d");
      try {
        await client.push("orders", [
          { customer_id: 2, order_id: "x1", amount: 1, status: "paid", ts: "2025-01-03 00:00" },
          { customer_id: 2, order_id: "x2", amount: 2, status: "paid", ts: "2025-01-05 00:00" },
        ]);
        expect((await read(client, "2025-01-06", 2)).total).toBe(10);
        // A new materialization at 2025-01-04 (the warehouse has neither pushed event: pushed online only).
        await materialize({ projectDir: dir, end: "2025-01-04" });
        await load({ projectDir: dir, graceMs: 0 });
        // The event at 01-03 (before the new end) is gone online, the one at 01-05 stays.
        expect((await read(client, "2025-01-06", 2)).total).toBe(9);
        await expect(client.push("nope", [{}])).rejects.toThrow(/no loaded view reads push source 'nope'/);
      } finally {
        await client.close();
        await TEST_STORES[store].cleanup(name);
      }
    });

    it(`${store}: a load removes the pushed entries of retired views; clean removes every pushed entry`, async () => {
      const { client, dir, name } = await setUp(store);
      /** Pushed entries per view, and whether newest-seen times are kept for it. */
      const pushed = async (): Promise<Record<string, number>> => {
        const out: Record<string, number> = {};
        if (store === "redis") {
          for (const k of await projectKeys(name)) {
            const m = /:push:([^:]+):/.exec(k);
            if (m) out[m[1]!] = (out[m[1]!] ?? 0) + 1;
            if (k.endsWith(":newest")) out.newest = 1;
            if (k.includes(":pushed-ids:")) out.ids = 1;
          }
        } else if (existsSync(path.join(dir, "online.sqlite"))) {
          const db = new Database(path.join(dir, "online.sqlite"), { readonly: true });
          for (const r of db.prepare("SELECT view, count(*) AS n FROM fc_pushed WHERE project = ? GROUP BY view").all(name) as {
            view: string;
            n: number;
          }[])
            out[r.view] = r.n;
          if ((db.prepare("SELECT count(*) FROM fc_push_newest WHERE project = ?").pluck().get(name) as number) > 0) out.newest = 1;
          if ((db.prepare("SELECT count(*) FROM fc_pushed_ids WHERE project = ?").pluck().get(name) as number) > 0) out.ids = 1;
          db.close();
        }
        return out;
      };
      try {
        await client.push("orders", [
          { customer_id: 1, order_id: "k1", amount: 1, status: "paid", ts: "2025-01-02 01:00" },
          { customer_id: 2, order_id: "k2", amount: 2, status: "paid", ts: "2025-01-02 02:00" },
        ]);
        expect(await pushed()).toEqual({ agg: 2, last_order: 2, newest: 1, ids: 1 });
        // Retire last_order: its pushed entries go at the next load; agg's stay.
        const defs = path.join(dir, "definitions", "d.yml");
        writeFileSync(defs, readFileSync(defs, "utf8").replace(/ {2}- name: last_order[\s\S]*$/, ""));
        await materialize({ projectDir: dir, end: "2025-01-02" });
        await load({ projectDir: dir, graceMs: 0 });
        expect(await pushed()).toEqual({ agg: 2, newest: 1, ids: 1 });
        expect((await read2(client)).total).toBe(15 + 7 + 1 + 2);
        await client.close();
        const r = await clean({ projectDir: dir, only: "online", yes: true });
        expect(r.onlineRemoved).toBeGreaterThan(0);
        expect(await pushed()).toEqual({});
        if (store === "redis") expect(await projectKeys(name)).toEqual([]);
      } finally {
        await client.close().catch(() => undefined);
        await TEST_STORES[store].cleanup(name);
      }
    });

    it(`${store}: concurrent pushes to one entity from several connections lose nothing`, async () => {
      const { client, dir, name } = await setUp(store, "30d");
      const others = await Promise.all(
        [1, 2, 3].map(() => createOnlineClient({ project: name, store: TEST_STORES[store].config(dir) as never, timeoutMs: 10_000 })),
      );
      try {
        const all = [client, ...others];
        await Promise.all(
          all.map((c, i) =>
            (async () => {
              for (let b = 0; b < 10; b++)
                await c.push(
                  "orders",
                  Array.from({ length: 5 }, (_, k) => ({
                    customer_id: 1,
                    order_id: `c${i}-${b}-${k}`,
                    amount: 1,
                    status: "paid",
                    ts: `2025-01-02 0${k}:${String(b).padStart(2, "0")}:0${i}`,
                  })),
                );
            })(),
          ),
        );
        expect((await read(client, "2025-01-03")).total).toBe(15 + 4 * 10 * 5);
      } finally {
        await Promise.all([client, ...others].map((c) => c.close()));
        await TEST_STORES[store].cleanup(name);
      }
    });
  }
});
