/**
 * Dedupe against the loaded events (docs/push.md, "Duplicates"), on every online store: an event
 * already in a view's loaded materialization (before its end E, within its lateness) pushed again
 * online counts once; an id in the text the warehouse writes ("007" and 7 are one integer id); a
 * new event before E still counts; the ids of a replaced version go with it; ids older than
 * E − lateness are not recorded (such events are late anyway); a load after the source lost its
 * dedupe_key forgets its pushed ids. And a dedupe_key whose text differs between warehouses (a
 * float) is FC018 at build.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { createOnlineClient } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { build, load, materialize, run } from "../src/index.js";
import { REDIS_URL } from "./helpers/redis.js";
import { STORE_TYPES, TEST_STORES } from "./helpers/online-stores.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";
import { removeDir } from "./reference/duckdb-harness.js";

const dirs: string[] = [];
const projects: [(typeof STORE_TYPES)[number], string][] = [];
afterAll(async () => {
  dirs.forEach(removeProject);
  for (const [store, name] of projects) await TEST_STORES[store].cleanup(name);
});

/** Orders of customers 1 and 2 (ids `idType`: text o1… or integers 1…), views with lateness 14h: E − lateness = 2025-01-01 10:00 for E = 2025-01-02. */
function project(store: (typeof STORE_TYPES)[number], name: string, intIds: boolean): string {
  const id = (n: number): string => (intIds ? String(n) : `o${n}`);
  const dir = tempProject({
    "fcompile.yaml": `name: ${name}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: ${TEST_STORES[store].yaml}\n`,
    "definitions/d.yml": [
      "entities: [{name: customer, join_keys: [{name: customer_id, type: int64}]}]",
      "sources: [{name: orders, path: ../data/orders.csv, timestamp: ts, push: true, dedupe_key: order_id}]",
      "feature_views:",
      "  - name: agg",
      "    entities: [customer]",
      "    source: orders",
      "    lateness: 14h",
      "    aggregations:",
      "      - {name: n_1d, function: count, window: 1d}",
      "      - {name: total, function: sum, column: amount, window: lifetime}",
      "  - name: last_order",
      "    entities: [customer]",
      "    source: orders",
      "    features: [{name: amount, type: float64}]",
    ].join("\n"),
    "data/orders.csv": [
      "customer_id,order_id,amount,ts",
      `1,${id(1)},10.0,2025-01-01 10:00:00`,
      `1,${id(2)},5.0,2025-01-01 11:00:00`,
      `2,${id(3)},7.0,2025-01-01 09:00:00`,
      `2,${id(7)},1.0,2025-01-01 23:00:00`,
    ].join("\n"),
  });
  dirs.push(dir);
  return dir;
}

async function setUp(store: (typeof STORE_TYPES)[number], intIds = false): Promise<{ client: OnlineClient; dir: string; name: string }> {
  const name = `t_pushld_${store}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  projects.push([store, name]);
  const dir = project(store, name, intIds);
  await run({ projectDir: dir });
  await materialize({ projectDir: dir, end: "2025-01-02" });
  await load({ projectDir: dir, graceMs: 0 });
  const client = await createOnlineClient({ project: name, store: TEST_STORES[store].config(dir) as never, timeoutMs: 5000 });
  return { client, dir, name };
}

async function totals(client: OnlineClient, at = "2025-01-02 01:00"): Promise<{ n1: unknown; t1: unknown; n2: unknown; t2: unknown }> {
  const res = await client.getOnlineFeatures({
    features: ["agg:n_1d", "agg:total"],
    entityRows: [{ customer_id: 1 }, { customer_id: 2 }],
    at,
  });
  const [a, b] = res.rows.map((r) => r.features);
  return { n1: a!.n_1d!.value, t1: a!.total!.value, n2: b!.n_1d!.value, t2: b!.total!.value };
}

/** The ids recorded for the project's loaded versions: version → ids (sorted). */
async function loadedIds(store: (typeof STORE_TYPES)[number], dir: string, name: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  if (store === "sqlite") {
    const db = new Database(path.join(dir, "online.sqlite"), { readonly: true });
    try {
      for (const r of db.prepare("SELECT version, id FROM fc_loaded_ids ORDER BY version, id").all() as { version: number; id: string }[])
        (out[String(r.version)] ??= []).push(r.id);
    } finally {
      db.close();
    }
    return out;
  }
  const redis = new Redis(REDIS_URL);
  try {
    const prefix = `fc:${name}:loaded-ids:`;
    for (const key of await redis.keys(`${prefix}*`)) out[key.slice(prefix.length)] = (await redis.smembers(key)).sort();
  } finally {
    redis.disconnect();
  }
  return out;
}

/** The ids pushed to source `orders` that the store keeps (sorted). */
async function pushedIds(store: (typeof STORE_TYPES)[number], dir: string, name: string): Promise<string[]> {
  if (store === "sqlite") {
    const db = new Database(path.join(dir, "online.sqlite"), { readonly: true });
    try {
      return db.prepare("SELECT id FROM fc_pushed_ids WHERE project = ? AND source = 'orders' ORDER BY id").pluck().all(name) as string[];
    } finally {
      db.close();
    }
  }
  const redis = new Redis(REDIS_URL);
  try {
    return (await redis.zrange(`fc:${name}:pushed-ids:orders`, "0", "-1")).sort();
  } finally {
    redis.disconnect();
  }
}

describe("push: dedupe against the loaded events", () => {
  for (const store of STORE_TYPES) {
    it(`${store}: an event already loaded, pushed again within lateness, counts once; a new event before E counts`, async () => {
      const { client, dir, name } = await setUp(store);
      try {
        const before = { n1: 2n, t1: 15, n2: 2n, t2: 8 };
        expect(await totals(client)).toEqual(before);
        // Only the ids at or after E − lateness (10:00) are recorded: o3 (09:00) would be late.
        const ids = await loadedIds(store, dir, name);
        expect(Object.values(ids)).toEqual([["o1", "o2", "o7"]]);
        // o2 and o7 replayed (a stream restarted before E): duplicates for the aggregation view.
        const replay = [
          { customer_id: 1, order_id: "o2", amount: 5, ts: "2025-01-01 11:00:00" },
          { customer_id: 2, order_id: "o7", amount: 1, ts: "2025-01-01 23:00:00" },
        ];
        expect(await client.push("orders", replay)).toEqual({
          rows: 2,
          applied: { agg: 0, last_order: 2 },
          late: { agg: 0, last_order: 0 },
          duplicates: 2,
        });
        expect(await totals(client)).toEqual(before);
        // A new event before E (not in the load), and one late for the aggregation view (the plain view has no lateness).
        expect(
          await client.push("orders", [
            { customer_id: 1, order_id: "o8", amount: 2, ts: "2025-01-01 12:00:00" },
            { customer_id: 2, order_id: "o3", amount: 7, ts: "2025-01-01 09:00:00" },
          ]),
        ).toEqual({ rows: 2, applied: { agg: 1, last_order: 2 }, late: { agg: 1, last_order: 0 }, duplicates: 0 });
        expect(await totals(client)).toEqual({ ...before, n1: 3n, t1: 17 });
        // The replay again: now also a pushed id (skipped by every view).
        expect((await client.push("orders", replay.slice(0, 1))).duplicates).toBe(1);
        expect(await totals(client)).toEqual({ ...before, n1: 3n, t1: 17 });
      } finally {
        await client.close();
      }
    });

    it(`${store}: integer ids are compared as the warehouse writes them ("007" is 7); a new load replaces the recorded ids`, async () => {
      const { client, dir, name } = await setUp(store, true);
      try {
        const first = await loadedIds(store, dir, name);
        expect(Object.values(first)).toEqual([["1", "2", "7"]]);
        expect(await client.push("orders", [{ customer_id: 2, order_id: "007", amount: 1, ts: "2025-01-01 23:00:00" }])).toMatchObject({
          applied: { agg: 0 },
          duplicates: 1,
        });
        expect(await client.push("orders", [{ customer_id: 2, order_id: 7n, amount: 1, ts: "2025-01-01 23:00:00" }])).toMatchObject({
          applied: { agg: 0 },
          duplicates: 1,
        });
        expect(await totals(client)).toEqual({ n1: 2n, t1: 15, n2: 2n, t2: 8 });
        // A later load: the first version's ids go with it; the new ones are those of [E' − 14h, E').
        await materialize({ projectDir: dir, end: "2025-01-02 02:00" });
        await load({ projectDir: dir, graceMs: 0 });
        const second = await loadedIds(store, dir, name);
        expect(Object.keys(second)).toHaveLength(1);
        expect(Object.keys(second)[0]).not.toBe(Object.keys(first)[0]);
        expect(Object.values(second)).toEqual([["7"]]);
      } finally {
        await client.close();
      }
    });

    it(`${store}: a load after the source lost its dedupe_key forgets the pushed ids (a later dedupe_key starts afresh)`, async () => {
      const { client, dir, name } = await setUp(store);
      const defs = path.join(dir, "definitions", "d.yml");
      const original = readFileSync(defs, "utf8");
      const reload = async (text: string): Promise<void> => {
        writeFileSync(defs, text);
        await materialize({ projectDir: dir, end: "2025-01-02" });
        await load({ projectDir: dir, graceMs: 0 });
      };
      try {
        const row = { customer_id: 1, order_id: "o8", amount: 2, ts: "2025-01-02 00:30:00" };
        expect((await client.push("orders", [row])).duplicates).toBe(0);
        expect(await pushedIds(store, dir, name)).toEqual(["o8"]);
        await reload(original.replace(", dedupe_key: order_id", ""));
        expect(await pushedIds(store, dir, name)).toEqual([]);
        await reload(original);
        expect(await client.push("orders", [row])).toMatchObject({ applied: { agg: 1, last_order: 1 }, duplicates: 0 });
        expect(await pushedIds(store, dir, name)).toEqual(["o8"]);
      } finally {
        await client.close();
      }
    });
  }

  it("a dedupe_key whose text differs between warehouses (a float column) is FC018 at build, at the source", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "fc-pushld-"));
    try {
      writeFileSync(path.join(dir, "fcompile.yaml"), "name: t\ntarget: w\ntargets:\n  w: {type: duckdb, path: w.duckdb}\n");
      mkdirSync(path.join(dir, "definitions"));
      mkdirSync(path.join(dir, "data"));
      writeFileSync(path.join(dir, "data", "ev.csv"), "id,ts,eid\n1,2025-01-01 00:00:00,1.5\n");
      writeFileSync(
        path.join(dir, "definitions", "d.yml"),
        [
          "entities: [{name: c, join_keys: [{name: id, type: int64}]}]",
          "sources:",
          "  - name: ev",
          "    path: ../data/ev.csv",
          "    timestamp: ts",
          "    push: true",
          "    dedupe_key: eid",
          "feature_views:",
          "  - {name: d, entities: [c], source: ev, aggregations: [{function: count, window: 1d}]}",
        ].join("\n"),
      );
      const res = await build({ projectDir: dir });
      expect(res.ok).toBe(false);
      expect(res.diagnostics.map((d) => [d.code, d.at.line, d.at.col, d.message])).toEqual([
        [
          "FC018",
          7,
          17,
          "dedupe_key 'eid' of source 'ev' is DOUBLE, whose text differs between warehouses or from what a push sends " +
            "(a dedupe_key is an integer, text, boolean or timestamp column); cast it in the source, or use another id column",
        ],
      ]);
    } finally {
      removeDir(dir);
    }
  });
});
