/**
 * `fcompile serve`: Feast's request and response shape in front of a real SQLite and a real Redis
 * online store (server in-process on port 0), the errors, one Redis round trip per request, and
 * the CLI's start and clean stop.
 */
import { STORE_TYPES, TEST_STORES } from "./helpers/online-stores.js";
import type { OnlineStoreType } from "../src/online/stores.js";
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { Ajv } from "ajv";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnlineClient } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { parseJsonExact } from "../src/server/exact-json.js";
import { NO_TIMESTAMP } from "../src/server/feast-mapping.js";
import { RESPONSE_SCHEMA } from "../src/server/feast-schema.js";
import type { FeastResponse } from "../src/server/feast-schema.js";
import { createFeatureServer } from "../src/server/feature-server.js";
import { monitorProject, testProject } from "./helpers/redis.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const bin = path.resolve("bin/fcompile");
const BIG_KEY = "9007199254740993"; // 2^53 + 1: JSON.parse would turn it into …992
const DEFINITIONS = `entities:
  - {name: account, join_keys: [account_id]}
  - {name: stock, join_keys: [shop, item_id]}
sources:
  - {name: accounts, path: ../data/accounts.csv, timestamp: ts}
  - {name: stocks, path: ../data/stocks.csv, timestamp: ts}
feature_views:
  - name: account_stats
    entities: [account]
    source: accounts
    ttl: 30d
    features:
      - {name: balance, type: int64}
      - {name: score, type: float64}
      - {name: tier, type: string}
      - {name: active, type: bool}
      - {name: last_seen, type: timestamp}
  - {name: stock_levels, entities: [stock], source: stocks, features: [{name: qty, type: int64}, {name: tier, type: string}]}
  - name: account_agg
    entities: [account]
    source: accounts
    aggregations:
      - {name: n_7d, function: count, window: 7d}
      - {name: score_max_30d, function: max, column: score, window: 30d}
feature_services:
  - {name: risk, features: [account_stats:balance, account_stats:tier, account_stats:last_seen]}
`;
const ACCOUNTS = `account_id,ts,balance,score,tier,active,last_seen
${BIG_KEY},2025-08-10 00:00:00,9223372036854775807,0.5,gold,true,2025-08-09 12:00:00.123456
1,2025-08-14 00:00:00,,1.25,silver,false,
1,2025-08-01 00:00:00,7,1.0,bronze,true,2025-08-01 00:00:00
2,2025-08-12 06:30:00,-${BIG_KEY},2.5,bronze,true,2025-08-12 06:00:00
`;
const STOCKS = `shop,item_id,ts,qty,tier
berlin,12,2025-08-01 00:00:00,5,a
berlin,123,2025-08-02 00:00:00,6,b
berlin1,23,2025-08-03 00:00:00,7,c
`;
// At this time the ttl (30d) has passed for the big key (2025-08-10) but not for accounts 1 and 2.
const AT = "2025-09-10T00:00:00Z";

interface Served {
  dir: string;
  project: string;
  client: OnlineClient;
  app: FastifyInstance;
  url: string;
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Runs the CLI in a project folder; resolves with its stdout, fails the test on a non-zero exit. */
async function cli(dir: string, ...args: string[]): Promise<string> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(code, `fcompile ${args.join(" ")}: ${stderr}`).toBe(0);
  return stdout;
}

type Store = OnlineStoreType;

/** A project of the test's own, built, materialized (end 2025-08-15) and loaded into `store`. */
async function prepareProject(store: Store): Promise<{ dir: string; project: string }> {
  const project = testProject("t_serve");
  const online = TEST_STORES[store].yaml;
  const dir = tempProject({
    "fcompile.yaml": `name: ${project}\ndefinitions: [definitions]\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: ${online}\n`,
    "definitions/defs.yml": DEFINITIONS,
    "data/accounts.csv": ACCOUNTS,
    "data/stocks.csv": STOCKS,
  });
  cleanups.push(() => removeProject(dir));
  cleanups.push(() => TEST_STORES[store].cleanup(project));
  for (const step of [["build"], ["run"], ["materialize", "--end", "2025-08-15"], ["load"]]) await cli(dir, ...step);
  return { dir, project };
}

// Prepared once per store, on first use; every test awaits its store, so a store that is down fails those tests (never skips them).
const prepared = new Map<Store, Promise<{ dir: string; project: string }>>();
function loaded(store: Store): Promise<{ dir: string; project: string }> {
  if (!prepared.has(store)) prepared.set(store, prepareProject(store));
  return prepared.get(store)!;
}
const served = new Map<Store, Promise<Served>>();
function server(store: Store): Promise<Served> {
  if (!served.has(store)) served.set(store, serveProject(store));
  return served.get(store)!;
}
beforeAll(() => {
  // Both stores are loaded in parallel; failures surface in the tests that await them.
  for (const store of STORE_TYPES) loaded(store).catch(() => undefined);
});

/** A loaded project with a feature server in-process on port 0. */
async function serveProject(store: Store): Promise<Served> {
  const { dir, project } = await loaded(store);
  const client = await createOnlineClient({
    project,
    store: TEST_STORES[store].config(dir),
  });
  const app = createFeatureServer({ client });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  cleanups.push(async () => {
    await app.close();
    await client.close();
  });
  return { dir, project, client, app, url };
}

/** POSTs a body (an object, or raw text) and parses the answer keeping 64-bit integers exact. */
async function post(url: string, body: unknown): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/get-online-features`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: parseJsonExact(text) as Record<string, unknown> };
}

/** A column of a Feast response, by name. */
function column(r: FeastResponse, name: string) {
  const i = r.metadata.feature_names.indexOf(name);
  expect(i, `column ${name} in ${r.metadata.feature_names.join(", ")}`).toBeGreaterThanOrEqual(0);
  return r.results[i]!;
}

const validResponse = new Ajv().compile(RESPONSE_SCHEMA);

for (const store of STORE_TYPES) {
  // The first test of each store waits for its project to be built, materialized and loaded.
  describe(`serve over ${store}`, { timeout: 60_000 }, () => {
    it("answers features in Feast's shape, equal to the client's read, int64 exact", async () => {
      const s = await server(store);
      // The big key is sent as a JSON number literal: only a bigint-aware parse finds it.
      const body = `{"features": ["account_stats:*"], "entities": {"account_id": [${BIG_KEY}, 1, 2, 3]}, "at": "${AT}"}`;
      const { status, text, json } = await post(s.url, body);
      expect(status, text).toBe(200);
      expect(validResponse(JSON.parse(text)), JSON.stringify(validResponse.errors)).toBe(true);
      const r = json as unknown as FeastResponse;
      expect(r.metadata.feature_names).toEqual(["account_id", "balance", "score", "tier", "active", "last_seen"]);
      expect(r.results[0]).toEqual({
        values: [BigInt(BIG_KEY), 1, 2, 3],
        statuses: ["PRESENT", "PRESENT", "PRESENT", "PRESENT"],
        event_timestamps: Array(4).fill(NO_TIMESTAMP),
      });
      expect(column(r, "balance")).toEqual({
        values: [null, null, -BigInt(BIG_KEY), null],
        statuses: ["OUTSIDE_MAX_AGE", "NULL_VALUE", "PRESENT", "NOT_FOUND"],
        event_timestamps: ["2025-08-10T00:00:00Z", "2025-08-14T00:00:00Z", "2025-08-12T06:30:00Z", NO_TIMESTAMP],
      });
      expect(text).toContain(`"values":[${BIG_KEY},1,2,3]`);
      expect(text).toContain(`"values":[null,null,-${BIG_KEY},null]`);

      const expected = await s.client.getOnlineFeatures({
        features: ["account_stats:*"],
        entityRows: [BigInt(BIG_KEY), 1, 2, 3].map((account_id) => ({ account_id })),
        at: AT,
      });
      for (const name of expected.featureNames) {
        const cells = expected.rows.map((row) => row.features[name]!);
        expect(column(r, name)).toEqual({
          values: cells.map((c) => c.value),
          statuses: cells.map((c) => c.status),
          event_timestamps: cells.map((c) => c.eventTimestamp ?? NO_TIMESTAMP),
        });
      }
    });

    it("writes int64 values beyond 2^53 with every digit; without 'at' the ttl counts from now", async () => {
      const s = await server(store);
      const atEnd = await post(s.url, { features: ["account_stats:balance"], entities: { account_id: [BIG_KEY] }, at: "2025-08-15" });
      expect(atEnd.status, atEnd.text).toBe(200);
      expect(atEnd.text).toContain(`"values":[9223372036854775807],"statuses":["PRESENT"]`);
      const now = await post(s.url, { features: ["account_stats:balance"], entities: { account_id: [BIG_KEY] } });
      expect((now.json as unknown as FeastResponse).results[1]!.statuses).toEqual(["OUTSIDE_MAX_AGE"]);
    });

    it("serves aggregation views: an entity with no events reads as an empty window, a window the state lacks as BEFORE_STATE", async () => {
      const s = await server(store);
      const r = await post(s.url, {
        features: ["account_agg:n_7d", "account_agg:score_max_30d"],
        entities: { account_id: ["1", "424242"] },
        at: "2025-08-15",
      });
      expect(r.status, r.text).toBe(200);
      const body = r.json as unknown as FeastResponse;
      expect(column(body, "n_7d").values).toEqual([1n, 0n].map(Number));
      expect(column(body, "n_7d").statuses).toEqual(["PRESENT", "PRESENT"]);
      expect(column(body, "n_7d").event_timestamps).toEqual(["2025-08-14T00:00:00Z", NO_TIMESTAMP]);
      expect(column(body, "score_max_30d").statuses).toEqual(["PRESENT", "NULL_VALUE"]);
      // The state holds the events of [end - 30d, end): a 7-day window ending a month earlier is not there.
      const before = await post(s.url, { features: ["account_agg:n_7d"], entities: { account_id: ["1"] }, at: "2025-07-15" });
      expect(before.status, before.text).toBe(200);
      expect(column(before.json as unknown as FeastResponse, "n_7d").statuses).toEqual(["BEFORE_STATE"]);
    });

    it("serves a feature_service with full_feature_names, and composite keys by all their parts", async () => {
      const s = await server(store);
      const svc = await post(s.url, { feature_service: "risk", entities: { account_id: [1, 2] }, full_feature_names: true, at: AT });
      expect(svc.status, svc.text).toBe(200);
      const r = svc.json as unknown as FeastResponse;
      expect(r.metadata.feature_names).toEqual(["account_id", "account_stats__balance", "account_stats__tier", "account_stats__last_seen"]);
      expect(column(r, "account_stats__tier").values).toEqual(["silver", "bronze"]);
      expect(column(r, "account_stats__last_seen").values).toEqual([null, "2025-08-12T06:00:00Z"]);

      const comp = await post(s.url, {
        features: ["stock_levels:qty"],
        entities: { shop: ["berlin", "berlin1", "berlin", "berlin"], item_id: [123, 23, 12, 1] },
      });
      expect(comp.status, comp.text).toBe(200);
      const c = comp.json as unknown as FeastResponse;
      expect(c.metadata.feature_names).toEqual(["shop", "item_id", "qty"]);
      expect(c.results[2]).toMatchObject({ values: [6, 7, 5, null], statuses: ["PRESENT", "PRESENT", "PRESENT", "NOT_FOUND"] });
    });

    it("equals what fcompile get prints", async () => {
      const s = await server(store);
      const printed = parseJsonExact(
        await cli(
          s.dir,
          "get",
          "--service",
          "risk",
          "--entity",
          `account_id=${BIG_KEY}`,
          "--entity",
          "account_id=1",
          "--entity",
          "account_id=2",
          "--at",
          AT,
        ),
      ) as {
        featureNames: string[];
        rows: { features: Record<string, { value: unknown; eventTimestamp: string | null; status: string }> }[];
      };
      const { json } = await post(s.url, `{"feature_service": "risk", "entities": {"account_id": [${BIG_KEY}, 1, 2]}, "at": "${AT}"}`);
      const r = json as unknown as FeastResponse;
      expect(r.metadata.feature_names.slice(1)).toEqual(printed.featureNames);
      for (const name of printed.featureNames) {
        const cells = printed.rows.map((row) => row.features[name]!);
        expect(column(r, name).values).toEqual(cells.map((c) => c.value));
        expect(column(r, name).statuses).toEqual(cells.map((c) => c.status));
        expect(column(r, name).event_timestamps).toEqual(cells.map((c) => c.eventTimestamp ?? NO_TIMESTAMP));
      }
    });

    it("GET /health answers 200 when the store answers", async () => {
      const s = await server(store);
      const res = await fetch(`${s.url}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok" });
    });
  });
}

describe("parseJsonExact", () => {
  it("keeps integers beyond 2^53 exact and parses everything else as JSON.parse does", () => {
    const text = `{"a": [${BIG_KEY}, -9223372036854775808, 1.5e300, 12345678901234567.5, "${BIG_KEY}", "x\\"${BIG_KEY}"], "n": 9007199254740991}`;
    expect(parseJsonExact(text)).toEqual({
      a: [BigInt(BIG_KEY), -9223372036854775808n, 1.5e300, Number("12345678901234567.5"), BIG_KEY, `x"${BIG_KEY}`],
      n: 9007199254740991,
    });
    expect(() => parseJsonExact('{"__proto__": {"x": 1}}')).toThrow(/__proto__/);
    expect(() => parseJsonExact("[01234567890123456789]")).toThrow(SyntaxError);
  });
});

describe("serve: bad requests", () => {
  const features = ["account_stats:balance"];
  const entities = { account_id: [1] };
  const cases: [string, unknown, RegExp][] = [
    ["neither features nor service", { entities }, /give 'features' .* or 'feature_service'/],
    ["both features and service", { features, feature_service: "risk", entities }, /either 'features' or 'feature_service', not both/],
    ["no entities", { features }, /has no 'entities'/],
    ["entities not columns", { features, entities: { account_id: 1 } }, /'entities.account_id' must be an array/],
    ["entities a list of rows", { features, entities: [{ account_id: 1 }] }, /'entities' must be a JSON object/],
    ["no join key column", { features, entities: {} }, /'entities' must have at least one join key column/],
    ["unequal lengths", { features, entities: { shop: ["a", "b"], item_id: [1] } }, /equal lengths .*'shop' has 2, 'item_id' has 1/],
    ["too many entities", { features, entities: { account_id: Array(10_001).fill(1) } }, /at most 10000 entity rows/],
    ["empty features", { features: [], entities }, /'features' must not be empty/],
    ["a feature not a string", { features: [1], entities }, /'features\[0\]' must be a string/],
    ["unknown key", { features, entity: entities, entities }, /unknown key 'entity'/],
    ["full_feature_names not a boolean", { features, entities, full_feature_names: "yes" }, /must be true or false/],
    ["a bad 'at'", { features, entities, at: "yesterday" }, /'at' must be an ISO 8601 timestamp/],
    ["unknown view", { features: ["nope:x"], entities }, /feature view 'nope' has not been loaded/],
    ["unknown feature", { features: ["account_stats:nope"], entities }, /feature view 'account_stats' has no feature 'nope'/],
    ["unknown service", { feature_service: "nope", entities }, /unknown feature service 'nope'.*loaded: risk/],
    ["a missing join key", { features, entities: { customer_id: [1] } }, /no value for join key 'account_id'/],
    [
      "a feature named like a join key",
      { features: ["stock_levels:qty"], entities: { shop: ["x"], item_id: [1], qty: [1] } },
      /column 'qty'/,
    ],
    [
      "two features of one name",
      { features: ["account_stats:tier", "stock_levels:tier"], entities: { ...entities, shop: ["x"], item_id: [1] } },
      /named 'tier'/,
    ],
    ["invalid JSON", '{"features": [', /not valid JSON/],
    ["an empty body", "", /request body is empty/],
    ["not an object", "[1, 2]", /the request body must be a JSON object/],
  ];
  for (const [name, body, message] of cases) {
    it(`${name} → 400`, async () => {
      const s = await server("sqlite");
      const r = await post(s.url, body);
      expect(r.status, r.text).toBe(400);
      expect(r.json).toMatchObject({ statusCode: 400, error: "BAD_REQUEST" });
      expect(r.json.message).toMatch(message);
      expect(r.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    });
  }

  it("refuses other media types and unknown routes with a hint", async () => {
    const s = await server("sqlite");
    const form = await fetch(`${s.url}/get-online-features`, {
      method: "POST",
      body: "a=1",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect(((await form.json()) as { message: string }).message).toMatch(/Content-Type: application\/json/);
    const get = await fetch(`${s.url}/get-online-features`);
    expect(get.status).toBe(404);
    expect(((await get.json()) as { message: string }).message).toMatch(/POST \/get-online-features/);
  });
});

describe("serve: one Redis round trip per request", () => {
  it("reads every entity and view of a request with one pipelined HMGET + MGET", async () => {
    const s = await serveProject("redis"); // a client of its own: the round trips of its first read are known
    const monitor = await monitorProject(s.project);
    cleanups.push(() => monitor.close());
    const seen = monitor.seen;
    const ask = (n: number) =>
      post(s.url, {
        features: ["account_stats:balance", "stock_levels:qty"],
        entities: { account_id: Array.from({ length: n }, (_, i) => i), shop: Array(n).fill("berlin"), item_id: Array(n).fill(12) },
      });
    expect((await ask(1)).status).toBe(200); // the first read learns the layouts
    await new Promise((r) => setTimeout(r, 200));
    for (const n of [1, 500]) {
      seen.length = 0;
      expect((await ask(n)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      expect(seen, `commands for ${n} entities`).toEqual(["hmget", "mget"]);
    }
  });
});

describe("serve: the store is down", () => {
  it("answers 503 with the store's message, and /health 503", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
    const client = await createOnlineClient({
      project: "t_serve_down",
      store: { type: "redis", url: `redis://127.0.0.1:${closedPort}/0` },
      timeoutMs: 300,
    });
    const app = createFeatureServer({ client });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    cleanups.push(async () => {
      await app.close();
      await client.close();
    });
    const started = Date.now();
    const r = await post(url, { features: ["account_stats:balance"], entities: { account_id: [1] } });
    expect(r.status, r.text).toBe(503);
    expect(r.json).toMatchObject({ statusCode: 503, error: expect.stringMatching(/^(UNAVAILABLE|TIMEOUT)$/) });
    // Names the URL and what to do, never an ioredis internal.
    expect(r.json.message).toContain(`redis://127.0.0.1:${closedPort}/0`);
    expect(r.json.message).toMatch(/cannot reach the online store|did not answer/);
    expect(r.json.message).not.toMatch(/max retries/i);
    expect(Date.now() - started).toBeLessThan(3000);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "unavailable" });
  });
});

describe("fcompile serve", () => {
  it("prints its URL, serves, and stops cleanly on SIGINT", async () => {
    const { dir } = await loaded("sqlite");
    const child = spawn(process.execPath, [bin, "serve", "--port", "0"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    cleanups.push(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on("exit", () => reject(new Error(`serve exited early: ${stderr}`)));
    });
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toMatchObject({ status: "ok", store: "sqlite" });
    const r = await post(url, { feature_service: "risk", entities: { account_id: [1] }, at: AT });
    expect(r.status, r.text).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on("exit", (c) => resolve(c));
      child.kill("SIGINT");
    });
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/SIGINT, stopping/);
  });

  it("explains itself in --help, with a curl example", () => {
    const help = spawnSync(process.execPath, [bin, "serve", "--help"], { encoding: "utf8" }).stdout;
    expect(help).toMatch(/--port <port>/);
    expect(help).toMatch(/curl -s localhost:6566\/get-online-features/);
  });
});
