/**
 * Pushes to a view with `hop:` (docs/push.md, docs/aggregations.md "Hop"), named cases on every
 * online store: a pushed event is a tile of its own stamped with its event time, so a read at
 * t ≥ E counts it exactly when the hop definition [floor_hop(t − w), t) does — also before its hop
 * ends; late events (before E, within lateness) go into the version's state as tiles out of bucket
 * order and into a bucket that already has a tile, and the state stays readable; a load after
 * pushes drops the pushed tiles older than its end by their event time (not their hop's start);
 * `client.push`, `fcompile push` and `POST /push` update the view alike.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createOnlineClient } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { load, loadProject, materialize, run } from "../src/index.js";
import { pushRows, pushSession } from "../src/commands/push.js";
import { eventTime, readVarint } from "../src/online/codec.js";
import { columnsToRows } from "../src/server/feast-push.js";
import { createFeatureServer } from "../src/server/feature-server.js";
import { fcompileOk } from "./helpers/cli.js";
import { STORE_TYPES, TEST_STORES } from "./helpers/online-stores.js";
import { REDIS_URL } from "./helpers/redis.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

type Store = (typeof STORE_TYPES)[number];
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const FEATURES = ["n_2d", "amount_2d", "paid_2d", "max_7d", "last_7d", "total"];

/** A project with a 1-day hop view over a push source, materialized at 2025-01-10 and loaded; a client on it. */
async function setUp(store: Store): Promise<{ client: OnlineClient; dir: string; name: string }> {
  const name = `t_hoppush_${store}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const dir = tempProject(
    {
      "fcompile.yaml": `name: ${name}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: ${TEST_STORES[store].yaml}\n`,
      "definitions/d.yml": [
        "entities: [{name: customer, join_keys: [{name: customer_id, type: int64}]}]",
        "sources: [{name: orders, path: ../data/orders.csv, timestamp: ts, push: true, dedupe_key: order_id}]",
        "feature_views:",
        "  - name: hop_orders",
        "    entities: [customer]",
        "    source: orders",
        "    hop: 1d",
        "    lateness: 2d",
        "    aggregations:",
        "      - {name: n_2d, function: count, window: 2d}",
        "      - {name: amount_2d, function: sum, column: amount, window: 2d}",
        `      - {name: paid_2d, function: count, window: 2d, filter: "status = 'paid'"}`,
        "      - {name: max_7d, function: max, column: amount, window: 7d}",
        "      - {name: last_7d, function: last, column: amount, window: 7d}",
        "      - {name: total, function: sum, column: amount, window: lifetime}",
      ].join("\n"),
      "data/orders.csv": [
        "customer_id,order_id,amount,status,ts",
        "1,o1,10.0,paid,2025-01-08 06:00:00",
        "1,o2,5.0,open,2025-01-09 18:00:00",
        "2,o3,7.0,paid,2025-01-09 09:00:00",
      ].join("\n"),
    },
    "fc-hoppush-",
  );
  cleanups.push(() => removeProject(dir));
  cleanups.push(() => TEST_STORES[store].cleanup(name));
  await run({ projectDir: dir });
  await materialize({ projectDir: dir, end: "2025-01-10" });
  await load({ projectDir: dir, graceMs: 0 });
  const client = await createOnlineClient({ project: name, store: TEST_STORES[store].config(dir) as never, timeoutMs: 5000 });
  cleanups.push(() => client.close());
  return { client, dir, name };
}

/** The hop view's features of one customer at `at`: values, or the status when not PRESENT. */
async function read(client: OnlineClient, at: string, id: number): Promise<Record<string, unknown>> {
  const res = await client.getOnlineFeatures({
    features: FEATURES.map((f) => `hop_orders:${f}`),
    entityRows: [{ customer_id: id }],
    at,
  });
  return Object.fromEntries(
    Object.entries(res.rows[0]!.features).map(([k, v]) => [
      k,
      v.status === "PRESENT" ? (typeof v.value === "bigint" ? Number(v.value) : v.value) : v.status,
    ]),
  );
}

/** The event times (µs) of the records in the view's pushed entries, per entity key, as the store holds them. */
async function pushedRecords(store: Store, dir: string, name: string): Promise<Record<string, bigint[]>> {
  const entries: [string, Uint8Array][] = [];
  if (store === "sqlite") {
    const db = new Database(path.join(dir, "online.sqlite"), { readonly: true });
    try {
      for (const r of db.prepare("SELECT key, value FROM fc_pushed WHERE project = ? AND view = 'hop_orders'").all(name) as {
        key: string;
        value: Buffer;
      }[])
        entries.push([r.key, r.value]);
    } finally {
      db.close();
    }
  } else {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const prefix = `fc:${name}:push:hop_orders:`;
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>)
        for (const k of keys) entries.push([k.slice(prefix.length), (await redis.getBuffer(k))!]);
    } finally {
      redis.disconnect();
    }
  }
  const out: Record<string, bigint[]> = {};
  for (const [key, v] of entries) {
    const times: bigint[] = [];
    for (let p = 0; p < v.length;) {
      const [len, q] = readVarint(v, p, "truncated");
      times.push(eventTime(v.subarray(q, q + len)));
      p = q + len;
    }
    out[key] = times;
  }
  return out;
}

const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;

describe("pushes to a view with hop:", () => {
  for (const store of STORE_TYPES) {
    it(`${store}: late events (before the end, within lateness) go into the state as tiles out of order and into a bucket with a tile; reads count each event by its own time`, async () => {
      const { client } = await setUp(store);
      const r = await client.push("orders", [
        // Before the end (2025-01-10), within lateness (2d: on time from 2025-01-08 00:00): into the version's state.
        { customer_id: 1, order_id: "a", amount: 3, status: "paid", ts: "2025-01-09 20:00:00" },
        // The same day as o1 (01-08 06:00), which the state already holds a tile for, and older than the tile just appended.
        { customer_id: 1, order_id: "b", amount: 4, status: "paid", ts: "2025-01-08 07:00:00" },
        // Older than the end − lateness: late, not written.
        { customer_id: 1, order_id: "c", amount: 1000, status: "paid", ts: "2025-01-07 23:59:59.999999" },
        // After the end, inside the day 2025-01-10 whose tile a read at 05:00 would otherwise read whole.
        { customer_id: 1, order_id: "d", amount: 100, status: "open", ts: "2025-01-10 06:00:00" },
      ]);
      expect(r).toEqual({ rows: 4, applied: { hop_orders: 3 }, late: { hop_orders: 1 }, duplicates: 0 });
      // At 05:00: windows from floor_1d(t − 2d) = 01-08 00:00 hold o1, b, o2, a; d is after t (not BEFORE_STATE: its tile is at its own time).
      expect(await read(client, "2025-01-10 05:00", 1)).toEqual({ n_2d: 4, amount_2d: 22, paid_2d: 3, max_7d: 10, last_7d: 3, total: 22 });
      // At 12:00: d too. The exact 2d window [01-08 12:00, t) would hold only o2, a, d: the hop widens it to 01-08 00:00.
      expect(await read(client, "2025-01-10 12:00", 1)).toEqual({
        n_2d: 5,
        amount_2d: 122,
        paid_2d: 3,
        max_7d: 100,
        last_7d: 100,
        total: 122,
      });
      // At 01-11 00:00 the window starts at 01-09: o1 and b (01-08) leave together, with their day.
      expect(await read(client, "2025-01-11 00:00", 1)).toEqual({
        n_2d: 3,
        amount_2d: 108,
        paid_2d: 1,
        max_7d: 100,
        last_7d: 100,
        total: 122,
      });
    });

    it(`${store}: a load after pushes drops the pushed tiles older than its end by their event time, keeps those after it in the same day, and takes late events again`, async () => {
      const { client, dir, name } = await setUp(store);
      await client.push("orders", [
        { customer_id: 2, order_id: "x1", amount: 1, status: "paid", ts: "2025-01-10 06:00:00" },
        { customer_id: 2, order_id: "x2", amount: 2, status: "paid", ts: "2025-01-11 18:00:00" },
      ]);
      expect((await read(client, "2025-01-12", 2)).total).toBe(10);
      expect(await pushedRecords(store, dir, name)).toEqual({ "2": [micros("2025-01-10T06:00:00Z"), micros("2025-01-11T18:00:00Z")] });
      // A new materialization at 2025-01-11 12:00 (the pushes were online only: the warehouse has neither).
      await materialize({ projectDir: dir, end: "2025-01-11 12:00" });
      await load({ projectDir: dir, graceMs: 0 });
      // x1 (before the new end) is gone; x2 stays, though its day (01-11 00:00) starts before the end.
      expect(await pushedRecords(store, dir, name)).toEqual({ "2": [micros("2025-01-11T18:00:00Z")] });
      expect(await read(client, "2025-01-12", 2)).toEqual({ n_2d: 1, amount_2d: 2, paid_2d: 1, max_7d: 7, last_7d: 2, total: 9 });
      // A late event into the new version's state, in the day of the new end.
      const r = await client.push("orders", [{ customer_id: 2, order_id: "x3", amount: 8, status: "open", ts: "2025-01-11 00:00:00" }]);
      expect(r).toMatchObject({ applied: { hop_orders: 1 }, late: { hop_orders: 0 } });
      expect(await read(client, "2025-01-12", 2)).toEqual({ n_2d: 2, amount_2d: 10, paid_2d: 1, max_7d: 8, last_7d: 2, total: 17 });
    });

    it(`${store}: client.push, fcompile push and POST /push update the hop view alike`, async () => {
      const { client, dir } = await setUp(store);
      expect(
        await client.push("orders", [{ customer_id: 3, order_id: "p1", amount: 1, status: "paid", ts: "2025-01-10 01:00:00" }]),
      ).toMatchObject({
        applied: { hop_orders: 1 },
      });
      writeFileSync(path.join(dir, "p2.csv"), "customer_id,order_id,amount,status,ts\n3,p2,2,open,2025-01-10 02:00:00\n");
      expect(await fcompileOk(dir, "push", "--source", "orders", "--file", "p2.csv")).toContain("online hop_orders: 1 applied, 0 late");
      const { config, registry } = await loadProject(dir);
      const session = pushSession(config, registry, undefined, (source, rows) => client.push(source, rows));
      const app = createFeatureServer({ client, push: (q) => pushRows(session, q.source, columnsToRows(q.columns, q.rows), q.to) });
      const url = await app.listen({ host: "127.0.0.1", port: 0 });
      try {
        const res = await fetch(url + "/push", {
          method: "POST",
          headers: { "content-type": "application/json" },
          // Before the end, within lateness: into the state.
          body: JSON.stringify({
            push_source_name: "orders",
            df: { customer_id: [3], order_id: ["p3"], amount: [4], status: ["paid"], ts: ["2025-01-09T23:00:00Z"] },
          }),
        });
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ applied: { hop_orders: 1 }, late: { hop_orders: 0 } });
      } finally {
        await app.close();
      }
      expect(await read(client, "2025-01-10 03:00", 3)).toEqual({ n_2d: 3, amount_2d: 7, paid_2d: 2, max_7d: 4, last_7d: 2, total: 7 });
      expect(await read(client, "2025-01-10 01:30", 3)).toEqual({ n_2d: 2, amount_2d: 5, paid_2d: 2, max_7d: 4, last_7d: 1, total: 5 });
    });
  }
});
