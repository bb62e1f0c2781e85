/**
 * The online client on both stores: every feature type exact (int64 beyond 2^53, unicode, NULLs),
 * composite keys, statuses at the ttl edge, one round trip per read, and typed errors.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { load, materialize } from "../src/index.js";
import { OnlineClient, createOnlineClient, isoMicros, OnlineError } from "../src/client/index.js";
import type { GetOnlineFeaturesRequest } from "../src/client/index.js";
import { RedisReader } from "../src/online/redis/reader.js";
import type { StoreReader } from "../src/online/store-reader.js";
import { Redis } from "ioredis";
import { REDIS_URL, deleteProjectKeys, projectKeys, testProject } from "./helpers/redis.js";
import Database from "better-sqlite3";
import { readFileSync, writeFileSync } from "node:fs";
import { removeProject, tempProject } from "./helpers/temp-project.js";
import { STORE_TYPES, TEST_STORES } from "./helpers/online-stores.js";
import type { OnlineStoreType } from "../src/online/stores.js";

const BIG = 9007199254740993n; // 2^53 + 1: a double cannot hold it
const dirs: string[] = [];
const projects: string[] = [];
afterAll(async () => {
  for (const p of projects) await deleteProjectKeys(p);
  dirs.forEach(removeProject);
});

async function typedProject(store: OnlineStoreType): Promise<{ dir: string; project: string }> {
  const project = testProject(`t_client_${store}`);
  projects.push(project);
  const online = TEST_STORES[store].yaml;
  const dir = tempProject({
    "fcompile.yaml": `name: ${project}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: ${online}\n`,
    "definitions/d.yml": `entities:
  - {name: stock, join_keys: [store_id, product_id]}
  - {name: user, join_keys: [user_id]}
sources:
  - {name: typed, table: raw.typed, timestamp: ts}
  - {name: stock_rows, table: raw.stock, timestamp: ts}
feature_views:
  - name: typed_view
    entities: [user]
    source: typed
    ttl: 1d
    features:
      - {name: i32, type: int32}
      - {name: i64, type: int64}
      - {name: f32, type: float32}
      - {name: f64, type: float64}
      - {name: s, type: string}
      - {name: b, type: bool}
      - {name: t, type: timestamp}
  - {name: stock_view, entities: [stock], source: stock_rows, features: [{name: on_hand, type: int64}]}
feature_services:
  - {name: svc, features: ["typed_view:*", "stock_view:on_hand"]}
`,
  });
  dirs.push(dir);
  const db = await DuckDBInstance.create(path.join(dir, "warehouse.duckdb"));
  const conn = await db.connect();
  await conn.run("CREATE SCHEMA raw");
  await conn.run(`CREATE TABLE raw.typed AS SELECT * FROM (VALUES
    (${BIG}, TIMESTAMP '2025-01-02 00:00:00', -7, ${BIG}, 0.1::FLOAT, 0.1::DOUBLE, 'naïve ☃ "q"', true, TIMESTAMP '2024-02-29 12:34:56.123456'),
    (2, TIMESTAMP '2025-01-01 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (3, TIMESTAMP '2025-01-01 12:00:00', 1, -1, -0.5::FLOAT, 1e300, '', false, TIMESTAMP '1970-01-01 00:00:00')
  ) t(user_id, ts, i32, i64, f32, f64, s, b, t)`);
  await conn.run(`CREATE TABLE raw.stock AS SELECT * FROM (VALUES
    (1, 23, TIMESTAMP '2025-01-01', 100), (12, 3, TIMESTAMP '2025-01-01', 200)) t(store_id, product_id, ts, on_hand)`);
  conn.closeSync();
  db.closeSync();
  await materialize({ projectDir: dir, end: "2025-01-02" });
  await load({ projectDir: dir, graceMs: 0 });
  return { dir, project };
}

/** Four entities of the typed project: two views found, a ttl miss, a composite-key miss, a missing entity. */
const FOUR_ROWS: GetOnlineFeaturesRequest = {
  service: "svc",
  entityRows: [
    { user_id: BIG, store_id: 1, product_id: 23 },
    { user_id: "2", store_id: 12, product_id: 3 },
    { user_id: 3, store_id: 1, product_id: 3 },
    { user_id: 4, store_id: 123, product_id: 0 },
  ],
  at: "2025-01-02T12:00:00Z",
};

for (const store of STORE_TYPES) {
  describe(`online client on ${store}`, () => {
    let client: OnlineClient;
    beforeAll(async () => {
      const { dir, project } = await typedProject(store);
      client = await createOnlineClient({
        project,
        store: TEST_STORES[store].config(dir),
      });
    });
    afterAll(async () => client?.close());

    it("returns every type exactly, with event timestamps and statuses", async () => {
      const r = await client.getOnlineFeatures(FOUR_ROWS);
      expect(r.featureNames).toEqual(["i32", "i64", "f32", "f64", "s", "b", "t", "on_hand"]);
      const [a, b, c, d] = r.rows.map((row) => row.features);
      expect(a).toEqual({
        i32: { value: -7, eventTimestamp: "2025-01-02T00:00:00Z", status: "PRESENT" },
        i64: { value: BIG, eventTimestamp: "2025-01-02T00:00:00Z", status: "PRESENT" },
        // The float32 0.1 (0.10000000149011612 as a double) as its shortest decimal.
        f32: { value: 0.1, eventTimestamp: "2025-01-02T00:00:00Z", status: "PRESENT" },
        f64: { value: 0.1, eventTimestamp: "2025-01-02T00:00:00Z", status: "PRESENT" },
        s: { value: 'naïve ☃ "q"', eventTimestamp: "2025-01-02T00:00:00Z", status: "PRESENT" },
        b: { value: true, eventTimestamp: "2025-01-02T00:00:00Z", status: "PRESENT" },
        t: { value: "2024-02-29T12:34:56.123456Z", eventTimestamp: "2025-01-02T00:00:00Z", status: "PRESENT" },
        on_hand: { value: 100n, eventTimestamp: "2025-01-01T00:00:00Z", status: "PRESENT" },
      });
      // User 2's row is at 2025-01-01 00:00, 36 h before the read: outside the 1-day ttl.
      expect(b!.i32).toEqual({ value: null, eventTimestamp: "2025-01-01T00:00:00Z", status: "OUTSIDE_MAX_AGE" });
      // Keys (12, 3) and (1, 23) are different entities.
      expect(b!.on_hand!.value).toBe(200n);
      expect(c!.i32!.value).toBe(1);
      expect(c!.f32!.value).toBe(-0.5);
      expect(c!.f64!.value).toBe(1e300);
      expect(c!.s).toEqual({ value: "", eventTimestamp: "2025-01-01T12:00:00Z", status: "PRESENT" });
      expect(c!.b!.value).toBe(false);
      expect(c!.t!.value).toBe("1970-01-01T00:00:00Z");
      expect(c!.on_hand).toEqual({ value: null, eventTimestamp: null, status: "NOT_FOUND" });
      expect(Object.values(d!).every((f) => f.status === "NOT_FOUND" && f.value === null)).toBe(true);
    });

    it("reads the same in columns as in rows, with one event-time array per view", async () => {
      const req = FOUR_ROWS;
      const rows = await client.getOnlineFeatures(req);
      const cols = await client.getOnlineFeatureColumns(req);
      expect(cols.featureNames).toEqual(rows.featureNames);
      expect(Object.keys(cols.columns)).toEqual(rows.featureNames);
      expect(cols.rowCount).toBe(4);
      for (const name of cols.featureNames) {
        const c = cols.columns[name]!;
        expect(c.values).toHaveLength(4);
        rows.rows.forEach((row, r) => {
          const f = row.features[name]!;
          expect(f.status === "PRESENT" ? c.values[r] : null).toBe(f.value);
          // Numbers come in a Float64Array, NaN where not PRESENT; other types null there.
          if (c.values instanceof Float64Array) expect(f.status === "PRESENT" || Number.isNaN(c.values[r])).toBe(true);
          else if (c.values instanceof BigInt64Array) expect(f.status === "PRESENT" || c.values[r] === 0n).toBe(true);
          else if (f.status !== "PRESENT") expect(c.values[r]).toBeNull();
          expect(c.statuses[r]).toBe(f.status);
          expect(f.status === "NOT_FOUND" ? null : isoMicros(c.eventMicros[r]!)).toBe(f.eventTimestamp);
        });
      }
      // Statuses as in the row test: PRESENT, OUTSIDE_MAX_AGE, NOT_FOUND all occur.
      expect(cols.columns.i32!.statuses).toEqual(["PRESENT", "OUTSIDE_MAX_AGE", "PRESENT", "NOT_FOUND"]);
      expect([...(cols.columns.on_hand!.values as BigInt64Array)]).toEqual([100n, 200n, 0n, 0n]);
      expect([...(cols.columns.i64!.values as BigInt64Array)]).toEqual([BIG, 0n, -1n, 0n]);
      for (const n of ["i32", "f32", "f64"]) expect(cols.columns[n]!.values).toBeInstanceOf(Float64Array);
      for (const n of ["i64", "on_hand"]) expect(cols.columns[n]!.values).toBeInstanceOf(BigInt64Array);
      for (const n of ["s", "b", "t"]) expect(Array.isArray(cols.columns[n]!.values)).toBe(true);
      expect([...(cols.columns.f64!.values as Float64Array)]).toEqual([0.1, NaN, 1e300, NaN]);
      // Features share their view's status array until one is NULL: user 2's values are all NULL.
      const user2 = await client.getOnlineFeatureColumns({ ...req, at: "2025-01-01T12:00:00Z" });
      expect(user2.columns.i32!.statuses).toEqual(["PRESENT", "NULL_VALUE", "PRESENT", "NOT_FOUND"]);
      expect(user2.columns.s!.statuses).toEqual(["PRESENT", "NULL_VALUE", "PRESENT", "NOT_FOUND"]);
      expect(user2.columns.on_hand!.statuses).toEqual(["PRESENT", "PRESENT", "NOT_FOUND", "NOT_FOUND"]);
      expect(Number.isNaN(user2.columns.i32!.values[1])).toBe(true);
      expect(user2.columns.s!.values[1]).toBeNull();
      expect(cols.columns.i32!.eventMicros).toBe(cols.columns.t!.eventMicros);
      expect(cols.columns.i32!.eventMicros).not.toBe(cols.columns.on_hand!.eventMicros);
      const empty = await client.getOnlineFeatureColumns({ service: "svc", entityRows: [] });
      expect(empty.rowCount).toBe(0);
      expect(empty.columns.i64!.values).toHaveLength(0);
      await expect(client.ping()).resolves.toBeUndefined();
    });

    it("applies the ttl with an inclusive bound, as training does", async () => {
      const at = async (t: string) =>
        (await client.getOnlineFeatures({ features: ["typed_view:i32"], entityRows: [{ user_id: 2 }], at: t })).rows[0]!.features.i32!;
      // User 2's NULL value at 2025-01-01 00:00; ttl 1 day.
      expect((await at("2025-01-02T00:00:00Z")).status).toBe("NULL_VALUE");
      expect((await at("2025-01-02T00:00:00.000001Z")).status).toBe("OUTSIDE_MAX_AGE");
      expect((await at("2025-01-01T02:00:00+02:00")).status).toBe("NULL_VALUE");
    });

    it("names features view__feature on request and rejects bad requests with BAD_REQUEST", async () => {
      const r = await client.getOnlineFeatures({
        features: ["typed_view:s", "stock_view:*"],
        entityRows: [{ user_id: 3, store_id: 1, product_id: 23 }],
        fullNames: true,
      });
      expect(r.featureNames).toEqual(["typed_view__s", "stock_view__on_hand"]);
      const bad = async (req: Parameters<OnlineClient["getOnlineFeatures"]>[0], msg: RegExp) => {
        const err = await client.getOnlineFeatures(req).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OnlineError);
        expect((err as OnlineError).code).toBe("BAD_REQUEST");
        expect((err as OnlineError).message).toMatch(msg);
      };
      await bad({ service: "nope", entityRows: [] }, /unknown feature service 'nope'.*svc/);
      await bad({ features: ["nope:x"], entityRows: [] }, /feature view 'nope' has not been loaded/);
      await bad(
        { features: ["typed_view:zzz"], entityRows: [] },
        /^feature view 'typed_view' has no feature 'zzz' \(it has: i32, i64, f32, f64, s, b, t\)$/,
      );
      await bad(
        { features: ["typed_view:f6"], entityRows: [] },
        /^feature view 'typed_view' has no feature 'f6'; did you mean 'f64'\? \(it has: i32, i64, f32, f64, s, b, t\)$/,
      );
      await bad({ features: ["typed_view:s"], entityRows: [{ id: 1 }] }, /entity row 1 has no value for join key 'user_id'/);
      await bad({ features: ["typed_view:s"], entityRows: [], at: "tomorrow" }, /'at' must be an ISO 8601 timestamp/);
      await bad({ service: "svc", features: ["typed_view:s"], entityRows: [] }, /exactly one of service or features/);
    });
  });
}

describe("load retires views the project no longer has", () => {
  for (const store of STORE_TYPES)
    it(`on ${store}: the dropped view's pointer and values go in the load's switch; the others stay`, async () => {
      const { dir, project } = await typedProject(store);
      const cfg = {
        project,
        store: TEST_STORES[store].config(dir),
      };
      const client = await createOnlineClient(cfg);
      const before = await client.getOnlineFeatures({ features: ["stock_view:on_hand"], entityRows: [{ store_id: 1, product_id: 23 }] });
      expect(before.rows[0]!.features.on_hand!.value).toBe(100n);
      // Drop stock_view from the definitions (and from the service), then load again.
      const defs = path.join(dir, "definitions/d.yml");
      writeFileSync(
        defs,
        readFileSync(defs, "utf8")
          .replace(/ {2}- \{name: stock_view[^\n]*\n/, "")
          .replace(', "stock_view:on_hand"', ""),
      );
      const r = await load({ projectDir: dir, graceMs: 0 });
      expect(r.retired).toEqual(["stock_view"]);
      expect(r.views.map((v) => v.view)).toEqual(["typed_view"]);
      const fresh = await createOnlineClient(cfg);
      for (const c of [client, fresh]) {
        const err = await c
          .getOnlineFeatures({ features: ["stock_view:on_hand"], entityRows: [{ store_id: 1, product_id: 23 }] })
          .catch((e: unknown) => e);
        expect((err as OnlineError).code).toBe("BAD_REQUEST");
        expect((err as OnlineError).message).toMatch(/feature view 'stock_view' has not been loaded/);
        const ok = await c.getOnlineFeatures({ service: "svc", entityRows: [{ user_id: 3 }], at: "2025-01-02T00:00:00Z" });
        expect(ok.featureNames).not.toContain("on_hand");
        expect(ok.rows[0]!.features.i32!.value).toBe(1);
      }
      // Exactly the values of typed_view's current version are left: 3 users.
      if (store === "redis") {
        const keys = await projectKeys(project);
        const values = keys.filter((k) => /^fc:[^:]+:v\d+:/.test(k));
        expect(values).toHaveLength(3);
        expect(new Set(values.map((k) => k.split(":")[2]))).toEqual(new Set([`v${r.views[0]!.version}`]));
        expect(keys.filter((k) => !/^fc:[^:]+:v\d+:/.test(k)).map((k) => k.split(":")[2])).toEqual(["meta", "pointer", "seq"]);
      } else {
        const db = new Database(path.join(dir, "online.sqlite"), { readonly: true });
        expect(db.prepare("SELECT DISTINCT version FROM fc_values").pluck().all()).toEqual([r.views[0]!.version]);
        expect(db.prepare("SELECT count(*) FROM fc_values").pluck().get()).toBe(3);
        expect(db.prepare("SELECT view FROM fc_pointer WHERE project = ?").pluck().all(project)).toEqual(["typed_view"]);
        db.close();
      }
      await client.close();
      await fresh.close();
    });
});

describe("SQLite store errors are typed", () => {
  it("a store locked past the timeout is TIMEOUT; a broken one is STORE; neither leaks a SqliteError", async () => {
    const { dir, project } = await typedProject("sqlite");
    const file = path.join(dir, "online.sqlite");
    // Another process's exclusive lock (what no load takes, but a tool might): the open waits out the timeout.
    const locker = new Database(file);
    locker.pragma("locking_mode = EXCLUSIVE");
    locker.exec("BEGIN EXCLUSIVE");
    const started = Date.now();
    const err = await createOnlineClient({ project, store: { type: "sqlite", path: file }, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnlineError);
    expect((err as OnlineError).code).toBe("TIMEOUT");
    expect(Date.now() - started).toBeLessThan(300 + 1000);
    locker.exec("ROLLBACK");
    locker.close();
    // Open and read; then the values table disappears under the client.
    const client = await createOnlineClient({ project, store: { type: "sqlite", path: file }, timeoutMs: 300 });
    expect((await client.getOnlineFeatures({ features: ["typed_view:i32"], entityRows: [{ user_id: 3 }] })).rows).toHaveLength(1);
    const vandal = new Database(file);
    vandal.exec("DROP TABLE fc_values");
    vandal.close();
    const broken = await client.getOnlineFeatures({ features: ["typed_view:i32"], entityRows: [{ user_id: 3 }] }).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(OnlineError);
    expect((broken as OnlineError).code).toBe("STORE");
    expect((broken as OnlineError).message).toMatch(/cannot be read: .*fc_values/);
    await client.close();
  });
});

describe("round trips", () => {
  it("a read of 100 entities over two views is one store call (one Redis pipeline) once layouts are known", async () => {
    const { project } = await typedProject("redis");
    const redis = new Redis(REDIS_URL);
    const calls: string[] = [];
    const real = new RedisReader(redis, project, 1000);
    const counting: StoreReader = {
      where: real.where,
      projects: () => real.projects(),
      read: (...a) => (calls.push("read"), real.read(...a)),
      layouts: (v) => (calls.push("layouts"), real.layouts(v)),
      services: () => (calls.push("services"), real.services()),
      pointers: () => (calls.push("pointers"), real.pointers()),
      pushBatch: (b) => (calls.push("pushBatch"), real.pushBatch(b)),
      ping: () => (calls.push("ping"), real.ping()),
      close: () => real.close(),
    };
    const client = new OnlineClient(counting);
    const rows = Array.from({ length: 100 }, (_, i) => ({ user_id: i, store_id: i, product_id: i }));
    await client.getOnlineFeatures({ service: "svc", entityRows: rows });
    calls.length = 0;
    const r = await client.getOnlineFeatures({ service: "svc", entityRows: rows });
    expect(r.rows).toHaveLength(100);
    expect(calls).toEqual(["read"]);
    // A ping (what `serve`'s /health does) forgets nothing: the next read is still one call.
    calls.length = 0;
    await client.ping();
    const c = await client.getOnlineFeatureColumns({ service: "svc", entityRows: rows });
    expect(c.rowCount).toBe(100);
    expect(calls).toEqual(["ping", "read"]);
    await client.close();
  });
});
