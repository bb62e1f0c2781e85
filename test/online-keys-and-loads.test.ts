/**
 * On every online store (looping over the registry): join keys read by their type (42, "42" and
 * 42n are one int64 entity; "abc" is BAD_REQUEST naming the key, never NOT_FOUND), float32 and
 * NaN values as docs/online.md says, `verify` equal on NaN, and `load` refusing to empty or shrink
 * a loaded view (a materialization past the ttl) unless told to. Then the messages users see when
 * the project name is wrong, Redis is down, or the store type is unknown.
 */
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { FcUserError, load, materialize, verify } from "../src/index.js";
import { createOnlineClient, OnlineError } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { encodeValue } from "../src/online/codec.js";
import { onlineStore } from "../src/online/stores.js";
import { createFeatureServer } from "../src/server/feature-server.js";
import { STORE_TYPES, TEST_STORES } from "./helpers/online-stores.js";
import { testProject } from "./helpers/redis.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";
import type { OnlineStoreType } from "../src/online/stores.js";

const bin = path.resolve("bin/fcompile");
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function cli(dir: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args, "--project", dir], { encoding: "utf8" }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 2) : 0, stdout, stderr }),
    );
  });
}

const E1 = "2025-01-02"; // users 2, 3, 4 inside the 1-day ttl
const E2 = "2025-01-10T12:00:00Z"; // only user 1
const E3 = "2025-03-01"; // nobody

async function keyedProject(store: OnlineStoreType): Promise<{ dir: string; project: string }> {
  const project = testProject(`t_keys_${store}`);
  const dir = tempProject({
    "fcompile.yaml": `name: ${project}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: ${TEST_STORES[store].yaml}\n`,
    "definitions/d.yml": `entities:
  - {name: user, join_keys: [user_id]}
  - {name: item, join_keys: [sku]}
sources:
  - {name: t, table: raw.t, timestamp: ts}
  - {name: s, table: raw.s, timestamp: ts}
feature_views:
  - name: stats
    entities: [user]
    source: t
    ttl: 1d
    features: [{name: f32, type: float32}, {name: f64, type: float64}, {name: n, type: int64}]
  - {name: skus, entities: [item], source: s, features: [{name: q, type: int64}]}
feature_services:
  - {name: svc, features: ["stats:*"]}
`,
  });
  cleanups.push(() => removeProject(dir));
  cleanups.push(() => TEST_STORES[store].cleanup(project));
  const db = await DuckDBInstance.create(path.join(dir, "warehouse.duckdb"));
  const conn = await db.connect();
  await conn.run("CREATE SCHEMA raw");
  await conn.run(`CREATE TABLE raw.t AS SELECT * FROM (VALUES
    (1::BIGINT, TIMESTAMP '2025-01-10 00:00:00', 0.5::FLOAT, 1.0::DOUBLE, 10::BIGINT),
    (2, TIMESTAMP '2025-01-01 00:00:00', 1.111::FLOAT, 'NaN'::DOUBLE, 20),
    (3, TIMESTAMP '2025-01-01 00:00:00', 'NaN'::FLOAT, -0.0::DOUBLE, 30),
    (4, TIMESTAMP '2025-01-01 00:00:00', -2.5::FLOAT, 1e300::DOUBLE, 40)
  ) t(user_id, ts, f32, f64, n)`);
  await conn.run(`CREATE TABLE raw.s AS SELECT * FROM (VALUES
    ('00042', TIMESTAMP '2025-01-01', 1::BIGINT), ('42', TIMESTAMP '2025-01-01', 2), ('abc', TIMESTAMP '2025-01-01', 3)) t(sku, ts, q)`);
  conn.closeSync();
  db.closeSync();
  return { dir, project };
}

for (const store of STORE_TYPES) {
  describe(`online keys, values and loads on ${store}`, () => {
    let dir: string;
    let project: string;
    let client: OnlineClient;
    const read = (rows: Record<string, unknown>[], features = ["stats:*"], at = `${E1}T00:00:00Z`) =>
      client.getOnlineFeatures({ features, entityRows: rows, at });
    const badRequest = async (rows: Record<string, unknown>[], message: RegExp, features?: string[]) => {
      const err = await read(rows, features).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OnlineError);
      expect((err as OnlineError).code).toBe("BAD_REQUEST");
      expect((err as OnlineError).message).toMatch(message);
    };

    it("loads the layout's key types: int64 from integer keys, string from text", async () => {
      ({ dir, project } = await keyedProject(store));
      await materialize({ projectDir: dir, end: E1 });
      const r = await load({ projectDir: dir, graceMs: 0 });
      expect(r.views.map((v) => [v.view, v.rows])).toEqual([
        ["stats", 3],
        ["skus", 3],
      ]);
      client = await createOnlineClient({ project, store: TEST_STORES[store].config(dir) });
      cleanups.push(() => client.close());
      const layouts = await client.loaded(["stats", "skus", "nope"]);
      expect(layouts.map((l) => l?.keyTypes)).toEqual([["int64"], ["string"], undefined]);
    });

    it('reads an int64 key given as 2, "2", 2n or " 02" as one entity; "abc" is BAD_REQUEST naming the key and the value', async () => {
      const r = await read([{ user_id: 2 }, { user_id: "2" }, { user_id: 2n }, { user_id: " 02" }, { user_id: 5 }]);
      expect(r.rows.map((row) => row.features.n!.value)).toEqual([20n, 20n, 20n, 20n, null]);
      expect(r.rows[4]!.features.n!.status).toBe("NOT_FOUND");
      await badRequest([{ user_id: 2 }, { user_id: "abc" }], /entity row 2: join key 'user_id' is an int64, and "abc" is not one/);
      await badRequest([{ user_id: 2.5 }], /join key 'user_id' is an int64, and 2.5 is not one/);
      await badRequest([{ user_id: 2 ** 53 + 2 }], /9007199254740994 is beyond 2\^53.*pass a bigint or its digits as text/);
      await badRequest([{ user_id: "9223372036854775808" }], /"9223372036854775808" is not one/);
      await badRequest([{ user_id: true }], /join key 'user_id' is an int64, and true is not one/);
      // Text keys are text: "00042" and "42" are two entities; a number is its decimal text.
      const s = await read([{ sku: "00042" }, { sku: "42" }, { sku: 42 }, { sku: "abc" }], ["skus:q"]);
      expect(s.rows.map((row) => row.features.q!.value)).toEqual([1n, 2n, 2n, 3n]);
      await badRequest([{ sku: { a: 1 } }], /join key 'sku' must be a string, not an object/, ["skus:q"]);
    });

    it('serve answers 400 for a key that does not convert, and the same entity for 42 and "42"', async () => {
      const app = createFeatureServer({ client });
      const bad = await app.inject({
        method: "POST",
        url: "/get-online-features",
        payload: { features: ["stats:n"], entities: { user_id: [2, "abc"] } },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({
        error: "BAD_REQUEST",
        message: expect.stringMatching(/join key 'user_id' is an int64, and "abc"/),
      });
      const ok = await app.inject({
        method: "POST",
        url: "/get-online-features",
        payload: `{"features": ["stats:n", "stats:f32", "stats:f64"], "entities": {"user_id": [2, "2", 3]}, "at": "${E1}"}`,
        headers: { "content-type": "application/json" },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      // float32 1.111 is 1.111; NaN a string (JSON numbers cannot hold it); -0.0 is 0.
      expect(ok.body).toContain('{"values":[20,20,30],');
      expect(ok.body).toContain('{"values":[1.111,1.111,"NaN"],');
      expect(ok.body).toContain('{"values":["NaN","NaN",0],');
      await app.close();
    });

    it("returns float32 as its shortest decimal and NaN as a PRESENT NaN; verify counts NaN = NaN as equal", async () => {
      const r = await read([{ user_id: 2 }, { user_id: 3 }, { user_id: 4 }]);
      expect(r.rows.map((row) => row.features.f32!.value)).toEqual([1.111, NaN, -2.5]);
      expect(r.rows[0]!.features.f64).toMatchObject({ value: NaN, status: "PRESENT" });
      const v = await verify({ projectDir: dir, end: E1, sample: 100 });
      expect(v.mismatches).toEqual([]);
      expect(v.entities).toBe(4 + 3);
      expect(v.statuses.PRESENT).toBeGreaterThanOrEqual(9);
    });

    it("load refuses to shrink a loaded view by more than --max-shrink, and changes nothing", async () => {
      await materialize({ projectDir: dir, end: E2 });
      const err = await load({ projectDir: dir, graceMs: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FcUserError);
      const message = (err as FcUserError).diagnostics.map((d) => d.message).join("\n");
      expect(message).toMatch(/^load refused: view 'stats' would go from 3 rows to 1 in the online store at /);
      expect(message).toMatch(/67% fewer, more than --max-shrink 0.5.*as of 2025-01-10 12:00:00.*ttl \(1d\).*--force/);
      expect((await client.loaded(["stats"]))[0]!.rows).toBe(3);
      expect((await read([{ user_id: 2 }])).rows[0]!.features.n!.value).toBe(20n);
      const r = await load({ projectDir: dir, graceMs: 0, maxShrink: 0.7 });
      expect(r.views.find((v) => v.view === "stats")!.rows).toBe(1);
    });

    it("load never empties a loaded view silently: it exits 1 unless given --allow-empty", async () => {
      await materialize({ projectDir: dir, end: E3 });
      const refused = await cli(dir, "load");
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(
        /error FC016: load refused: view 'stats' would go from 1 row to 0 in the online store at .*: its materialization \(as of 2025-03-01 00:00:00\) is empty/,
      );
      expect(refused.stderr).toMatch(/past its ttl \(1d\).*fcompile materialize --end <the time of your data>.*--allow-empty/);
      expect(refused.stdout).toBe("");
      expect((await client.loaded(["stats"]))[0]!.rows).toBe(1);
      const usage = await cli(dir, "load", "--max-shrink", "2");
      expect(usage.status).toBe(2);
      expect(usage.stderr).toMatch(/--max-shrink must be a fraction from 0 to 1/);
      const allowed = await cli(dir, "load", "--allow-empty", "--grace-ms", "0");
      expect(allowed.status, allowed.stderr).toBe(0);
      expect((await client.loaded(["stats"]))[0]!.rows).toBe(0);
    });

    it("a client of a project with nothing loaded says so, instead of 'unknown feature service (loaded: none)'", async () => {
      const wrong = await createOnlineClient({ project: "t_no_such_project", store: TEST_STORES[store].config(dir) });
      for (const req of [{ service: "svc" }, { features: ["stats:n"] }]) {
        const err = await wrong.getOnlineFeatures({ ...req, entityRows: [{ user_id: 1 }] }).catch((e: unknown) => e);
        expect((err as OnlineError).code).toBe("BAD_REQUEST");
        expect((err as OnlineError).message).toMatch(/^nothing is loaded for project 't_no_such_project' in the online store at /);
        expect((err as OnlineError).message).not.toMatch(/loaded: none/);
        // SQLite can list the projects it holds; Redis would have to scan every key, so it says what to check.
        if (store === "sqlite")
          expect((err as OnlineError).message).toContain(`(projects loaded there: ${project}; check the project name`);
        else expect((err as OnlineError).message).toMatch(/check the project name .* or run 'fcompile load'/);
      }
      await wrong.close();
    });

    it("reads a layout written before keys had types by the key's text", async () => {
      const cfg = TEST_STORES[store].config(dir);
      const old = `${project}_old`;
      cleanups.push(() => TEST_STORES[store].cleanup(old));
      const writer = await onlineStore(cfg).openWriter(cfg, old, { graceMs: 0 });
      const [version] = await writer.begin(["v"]);
      await writer.write(version!, [{ key: "42", value: encodeValue(["int64"], 0n, [7n]) }]);
      const layout = { view: "v", version: version!, keys: ["id"], features: [["x", "int64"]] as [string, "int64"][] };
      await writer.commit([{ ...layout, ttlSeconds: null, end: "2025-01-01 00:00:00", loadedAt: "2025-01-01T00:00:00Z", rows: 1 }], {}, [
        "v",
      ]);
      await writer.close();
      const c = await createOnlineClient({ project: old, store: cfg });
      const r = await c.getOnlineFeatures({ features: ["v:x"], entityRows: [{ id: 42 }, { id: "42" }, { id: 42n }] });
      expect(r.rows.map((row) => row.features.x!.value)).toEqual([7n, 7n, 7n]);
      await c.close();
    });
  });
}

describe("a declared int64 key over a text column", () => {
  it('is written in canonical form ("042" is found by 42); a value that is not an integer stops load naming it', async () => {
    const project = testProject("t_keys_declared");
    const dir = tempProject({
      "fcompile.yaml": `name: ${project}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: ${TEST_STORES.sqlite.yaml}\n`,
      "definitions/d.yml": `entities:
  - {name: user, join_keys: [{name: user_id, type: int64}]}
sources:
  - {name: t, table: raw.t, timestamp: ts}
feature_views:
  - {name: stats, entities: [user], source: t, features: [{name: n, type: int64}]}
`,
    });
    cleanups.push(() => removeProject(dir));
    const table = async (rows: string): Promise<void> => {
      const db = await DuckDBInstance.create(path.join(dir, "warehouse.duckdb"));
      const conn = await db.connect();
      await conn.run("CREATE SCHEMA IF NOT EXISTS raw");
      await conn.run(`CREATE OR REPLACE TABLE raw.t AS SELECT * FROM (VALUES ${rows}) t(user_id, ts, n)`);
      conn.closeSync();
      db.closeSync();
    };
    await table(`('042', TIMESTAMP '2025-01-01', 1::BIGINT), ('9223372036854775807', TIMESTAMP '2025-01-01', 2)`);
    await materialize({ projectDir: dir, end: E1 });
    await load({ projectDir: dir, graceMs: 0 });
    const client = await createOnlineClient({ project, store: TEST_STORES.sqlite.config(dir) });
    expect((await client.loaded(["stats"]))[0]!.keyTypes).toEqual(["int64"]);
    const r = await client.getOnlineFeatures({
      features: ["stats:n"],
      entityRows: [{ user_id: 42 }, { user_id: "42" }, { user_id: 2n ** 63n - 1n }],
    });
    expect(r.rows.map((row) => row.features.n!.value)).toEqual([1n, 1n, 2n]);
    await client.close();
    await table(`('x1', TIMESTAMP '2025-01-01', 1::BIGINT)`);
    const err = await materialize({ projectDir: dir, end: E1 })
      .then(() => load({ projectDir: dir, graceMs: 0, force: true }))
      .catch((e: unknown) => e);
    // Whichever step meets the value first (materialize casting the key, or load writing it) names it.
    expect(err).toBeInstanceOf(Error);
    expect(String((err as FcUserError).diagnostics?.map((d) => d.message) ?? (err as Error).message)).toMatch(/x1/);
  });
});

describe("messages when the online store is not there", () => {
  const closedPort = (): Promise<number> =>
    new Promise((resolve) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });

  it("get, load and the client name the Redis URL (password hidden) and what to do, not an ioredis internal", async () => {
    const port = await closedPort();
    const url = `redis://:s3cret@127.0.0.1:${port}/0`;
    const shown = `redis://:***@127.0.0.1:${port}/0`;
    const client = await createOnlineClient({ project: "t_down", store: { type: "redis", url }, timeoutMs: 300 });
    const err = await client.getOnlineFeatures({ features: ["v:x"], entityRows: [{ id: 1 }] }).catch((e: unknown) => e);
    await client.close();
    expect((err as OnlineError).code).toBe("UNAVAILABLE");
    expect((err as OnlineError).message).toContain(`cannot reach the online store at ${shown} (connect ECONNREFUSED 127.0.0.1:${port})`);
    expect((err as OnlineError).message).toContain("is Redis running there? Start it, or fix the URL (fcompile.yaml online.url)");

    const { dir } = await keyedProject("sqlite");
    await materialize({ projectDir: dir, end: E1 });
    const yaml = path.join(dir, "fcompile.yaml");
    writeFileSync(yaml, readFileSync(yaml, "utf8").replace(/online: .*/, `online: {type: redis, url: "${url}"}`));
    for (const args of [["load"], ["get", "--features", "stats:n", "--entity", "user_id=2", "--timeout-ms", "300"]]) {
      const r = await cli(dir, ...args);
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(`cannot reach the online store at ${shown}`);
      expect(r.stderr).toContain("Start it, or fix the URL (fcompile.yaml online.url)");
      expect(r.stderr).not.toMatch(/s3cret|max retries|internal error/i);
    }
  });

  it("load names a SQLite file it cannot open and what to check", async () => {
    const { dir } = await keyedProject("sqlite");
    await materialize({ projectDir: dir, end: E1 });
    const yaml = path.join(dir, "fcompile.yaml");
    writeFileSync(yaml, readFileSync(yaml, "utf8").replace(/online: .*/, "online: {type: sqlite, path: no/such/folder/online.sqlite}"));
    const r = await cli(dir, "load");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`error FC016: cannot open the online store ${path.join(dir, "no/such/folder/online.sqlite")}: `);
    expect(r.stderr).toContain("check online.path in fcompile.yaml (its folder must exist and be writable)");
  });

  it("an unknown store type is an error listing the known ones, never a silent default", async () => {
    // fcompile.yaml's schema admits exactly the registry's stores.
    const schema = JSON.parse(readFileSync("src/project/config.schema.json", "utf8")) as {
      properties: { online: { properties: { type: { enum: string[] } } } };
    };
    expect([...schema.properties.online.properties.type.enum].sort()).toEqual([...STORE_TYPES].sort());
    const badName = await createOnlineClient({ project: "My-Shop", store: { type: "sqlite", path: "x" } }).catch((e: unknown) => e);
    expect((badName as OnlineError).message).toBe(
      `project name "My-Shop" is not valid: give the project's fcompile.yaml 'name' (a lower-case letter, then lower-case letters, digits or underscores)`,
    );
    const err = await createOnlineClient({ project: "t_x", store: { type: "memcached" } as never }).catch((e: unknown) => e);
    expect((err as OnlineError).code).toBe("BAD_REQUEST");
    expect((err as OnlineError).message).toBe(
      'unknown online store type "memcached" (known: redis, sqlite); set online.type in fcompile.yaml',
    );
    const dir = tempProject({ "fcompile.yaml": "name: t_x\ntargets:\n  w: {type: duckdb, path: w.duckdb}\nonline:\n  type: memcached\n" });
    cleanups.push(() => removeProject(dir));
    const r = await cli(dir, "get", "--features", "v:x", "--entity", "id=1");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`fcompile.yaml:5:9: error FC003: 'type' must be one of: sqlite, redis (got "memcached")`);
  });
});
