/**
 * `POST /push` on the feature server, over real HTTP: off (404 naming --push) unless a push
 * handler is given (`serve --push`); Feast's request shape (push_source_name, df as columns, to,
 * allow_registry_cache ignored) checked with 400s; bad rows answered 422 with every row and
 * nothing written; the bearer token guards it like every route; and the CLI's `serve --push`.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnlineClient } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { loadProject } from "../src/index.js";
import { pushRows, pushSession } from "../src/commands/push.js";
import { columnsToRows, parsePushRequest } from "../src/server/feast-push.js";
import type { PushRequest } from "../src/server/feast-push.js";
import { RequestError } from "../src/server/feast-mapping.js";
import { createFeatureServer } from "../src/server/feature-server.js";
import { fcompileOk } from "./helpers/cli.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const TOKEN = "push-token-0123456789abcdef";
let dir: string;
let client: OnlineClient;
const cleanups: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  dir = tempProject(
    {
      "fcompile.yaml":
        "name: t_serve_push\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: {type: sqlite, path: online.sqlite}\n",
      "definitions/defs.yml": `entities: [{name: customer, join_keys: [{name: customer_id, type: int64}]}]
sources:
  - {name: orders, path: ../data/orders.csv, timestamp: ts, push: true, dedupe_key: order_id}
  - {name: profiles, path: ../data/profiles.csv, timestamp: ts}
  - {name: ratings, path: ../data/ratings.csv, timestamp: ts, push: true}
feature_views:
  - name: customer_orders
    entities: [customer]
    source: orders
    aggregations: [{name: n_30d, function: count, window: 30d}, {name: total, function: sum, column: amount, window: lifetime}]
  - {name: profile, entities: [customer], source: profiles, features: [{name: tier, type: string}]}
  - name: customer_ratings
    entities: [customer]
    source: ratings
    aggregations: [{name: avg_score, function: avg, column: score, window: lifetime}]
`,
      "data/orders.csv": "order_id,customer_id,ts,amount\n1,1001,2025-06-01 00:00:00,10\n2,1001,2025-06-02 00:00:00,20\n",
      "data/ratings.csv": "customer_id,ts,score\n1001,2025-06-01 00:00:00,4.5\n",
      "data/profiles.csv": "customer_id,ts,tier\n1001,2025-06-01 00:00:00,gold\n",
    },
    "fc-serve-push-",
  );
  cleanups.push(() => removeProject(dir));
  for (const step of [["build"], ["run"], ["materialize", "--end", "2025-06-10"], ["load"]]) await fcompileOk(dir, ...step);
  client = await createOnlineClient({ project: "t_serve_push", store: { type: "sqlite", path: path.join(dir, "online.sqlite") } });
  cleanups.push(() => client.close());
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function offlineHandler(): Promise<(r: PushRequest) => Promise<unknown>> {
  const { config, registry } = await loadProject(dir);
  const s = pushSession(config, registry, undefined, (source, rows) => client.push(source, rows));
  return (r) => pushRows(s, r.source, columnsToRows(r.columns, r.rows), r.to);
}

async function listen(opts: { push?: (r: PushRequest) => Promise<unknown>; authToken?: string } = {}): Promise<string> {
  const app = createFeatureServer({ client, ...opts });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  cleanups.push(() => app.close());
  return url;
}

async function post(url: string, body: unknown, authorization?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization) headers.authorization = authorization;
  const res = await fetch(url + "/push", { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function orderIds(): Promise<number[]> {
  const inst = await DuckDBInstance.create(path.join(dir, "warehouse.duckdb"));
  const c = await inst.connect();
  try {
    return (await c.runAndReadAll("SELECT order_id FROM t_serve_push.source__orders ORDER BY 1"))
      .getRowObjectsJS()
      .map((r) => Number(r.order_id));
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

describe("Feast's push request", () => {
  const ok = { push_source_name: "orders", df: { order_id: [5, 6], customer_id: [1001, 1002] } };
  const refused = (body: unknown, status = 400): string => {
    try {
      parsePushRequest(body, 3);
    } catch (err) {
      expect(err).toBeInstanceOf(RequestError);
      expect((err as RequestError).statusCode).toBe(status);
      return (err as Error).message;
    }
    throw new Error("expected a RequestError");
  };

  it("takes columns of equal length, `to` defaulting to online, allow_registry_cache ignored", () => {
    expect(parsePushRequest(ok)).toEqual({ source: "orders", columns: ok.df, rows: 2, to: "online" });
    expect(parsePushRequest({ ...ok, to: "online_and_offline", allow_registry_cache: true }).to).toBe("online_and_offline");
    expect(columnsToRows(ok.df, 2)).toEqual([
      { order_id: 5, customer_id: 1001 },
      { order_id: 6, customer_id: 1002 },
    ]);
  });

  it("refuses what is not one, saying what to send", () => {
    expect(refused([])).toMatch(/send a JSON object/);
    expect(refused({ ...ok, extra: 1 })).toMatch(/unknown key 'extra'/);
    expect(refused({ df: ok.df })).toMatch(/'push_source_name' must be the name of a push source/);
    expect(refused({ ...ok, to: "both" })).toMatch(/'to' must be one of "online", "offline", "online_and_offline" \(got "both"\)/);
    expect(refused({ ...ok, df: [] })).toMatch(/'df' must be an object of columns/);
    expect(refused({ ...ok, df: {} })).toMatch(/'df' has no columns/);
    expect(refused({ ...ok, df: { a: 1 } })).toMatch(/'df' column 'a' must be an array/);
    expect(refused({ ...ok, df: { a: [1], b: [1, 2] } })).toMatch(/equal lengths.*'a' has 1, 'b' has 2/);
    expect(refused({ ...ok, df: { a: [1, 2, 3, 4] } }, 413)).toMatch(/4 rows in one push; at most 3/);
    expect(refused({ ...ok, allow_registry_cache: "yes" })).toMatch(/allow_registry_cache/);
  });
});

describe("POST /push over HTTP", () => {
  it("is off without a push handler: 404 naming --push, and nothing else changes", async () => {
    const url = await listen();
    const r = await post(url, { push_source_name: "orders", df: { order_id: [9] } });
    expect(r.status).toBe(404);
    expect(r.json.message).toMatch(/POST \/push is off: start the server with 'fcompile serve --push'/);
  });

  it("appends offline and answers the report; a retry is all duplicates; bad rows get 422 with every row, nothing written", async () => {
    const url = await listen({ push: await offlineHandler() });
    const body = {
      push_source_name: "orders",
      df: { order_id: [3, 4], customer_id: [1001, 1002], ts: ["2025-06-11T00:00:00Z", "2025-06-11T01:00:00Z"], amount: [5, 7] },
      to: "offline",
      allow_registry_cache: true,
    };
    const r = await post(url, body);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ source: "orders", to: "offline", rows: 2, offline: { appended: 2, duplicates: 0 } });
    expect((await post(url, body)).json).toMatchObject({ offline: { appended: 0, duplicates: 2 } });
    expect(await orderIds()).toEqual([1, 2, 3, 4]);

    const bad = await post(url, {
      push_source_name: "orders",
      df: { order_id: [7, 8, 9], customer_id: [1001, null, 1001], ts: ["2025-06-12", "2025-06-12", "2025-06-12"], amount: [1, 2, "x"] },
      to: "offline",
    });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ statusCode: 422, error: "BAD_ROWS" });
    expect(bad.json.rows).toEqual([
      { row: 2, column: "customer_id", reason: "is required (a join key of the views over the source)" },
      { row: 3, column: "amount", reason: '"x" is not an integer (the column is an integer)' },
    ]);
    const uncastable = await post(url, {
      push_source_name: "orders",
      df: { order_id: [7, 8], customer_id: [1001, 1001], ts: ["2025-06-12", "2025-06-12"], amount: [1, "x"] },
      to: "offline",
    });
    expect(uncastable.status).toBe(422);
    // amount is BIGINT in the file: 'x' does not cast, and 7.5 is refused rather than rounded.
    expect(uncastable.json.rows).toEqual([{ row: 2, column: "amount", reason: '"x" is not an integer (the column is an integer)' }]);
    const fraction = await post(url, {
      push_source_name: "orders",
      df: { order_id: [7], customer_id: [1001], ts: ["2025-06-12"], amount: [7.5] },
      to: "offline",
    });
    expect(fraction.json.rows).toEqual([{ row: 1, column: "amount", reason: "7.5 is not an integer (the column is an integer)" }]);
    expect(await orderIds()).toEqual([1, 2, 3, 4]);
  });

  it("pushes online (the default) and online_and_offline: the served aggregates change at once; bad rows online get 422", async () => {
    const url = await listen({ push: await offlineHandler() });
    const read = async () => {
      const res = await fetch(url + "/get-online-features", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ features: ["customer_orders:n_30d"], entities: { customer_id: [1003] }, at: "2025-06-20" }),
      });
      return ((await res.json()) as { results: { values: unknown[] }[] }).results[1]!.values[0];
    };
    expect(await read()).toBe(0);
    const online = await post(url, {
      push_source_name: "orders",
      df: { order_id: [30, 31], customer_id: [1003, 1003], ts: ["2025-06-15T00:00:00Z", "2025-06-16T00:00:00Z"], amount: [1, 2] },
    });
    expect(online.status).toBe(200);
    expect(online.json).toMatchObject({
      to: "online",
      rows: 2,
      applied: { customer_orders: 2 },
      late: { customer_orders: 0 },
      duplicates: 0,
    });
    expect(online.json.offline).toBeUndefined();
    expect(await read()).toBe(2);
    const both = await post(url, {
      push_source_name: "orders",
      df: { order_id: [31, 32], customer_id: [1003, 1003], ts: ["2025-06-16T00:00:00Z", "2025-06-17T00:00:00Z"], amount: [2, 3] },
      to: "online_and_offline",
    });
    expect(both.json).toMatchObject({ applied: { customer_orders: 1 }, duplicates: 1, offline: { appended: 2, duplicates: 0 } });
    expect(await read()).toBe(3);
    const bad = await post(url, {
      push_source_name: "orders",
      df: { order_id: [40], customer_id: ["abc"], ts: ["2025-06-17"], amount: [1] },
    });
    expect(bad.status).toBe(422);
    expect((bad.json.rows as { row: number; column?: string }[]).map((p) => [p.row, p.column])).toEqual([[1, "customer_id"]]);
    expect(await read()).toBe(3);
  });

  it("422 for a column the source does not have and for NaN or ±Infinity in a float column, online and offline alike; nothing written", async () => {
    const url = await listen({ push: await offlineHandler() });
    const notFinite = "is not a finite number; send null for a missing value";
    const columns = "(columns: customer_id, ts, score)";
    const where = { online: `push source 'ratings' ${columns}`, offline: `"t_serve_push"."source__ratings" ${columns}` };
    for (const to of ["online", "offline"] as const) {
      const bad = await post(url, {
        push_source_name: "ratings",
        df: {
          customer_id: [1001, 1001, 1001],
          ts: ["2025-06-12", "2025-06-12", "2025-06-12"],
          score: ["NaN", 3, "-Infinity"],
          note: ["a", "b", "c"],
        },
        to,
      });
      expect(bad.status).toBe(422);
      expect(bad.json.rows).toEqual([
        { row: 1, column: "note", reason: `no such column in ${where[to]}` },
        { row: 1, column: "score", reason: `"NaN" ${notFinite}` },
        { row: 3, column: "score", reason: `"-Infinity" ${notFinite}` },
      ]);
    }
    const ok = await post(url, {
      push_source_name: "ratings",
      df: { customer_id: [1001], ts: ["2025-06-12"], score: [null] },
      to: "online_and_offline",
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ applied: { customer_ratings: 1 }, offline: { appended: 1 } });
    const read = await client.getOnlineFeatures({
      features: ["customer_ratings:avg_score"],
      entityRows: [{ customer_id: 1001 }],
      at: "2025-06-20",
    });
    expect(read.rows[0]!.features.avg_score!.value).toBe(4.5);
  });

  it("400 for an unknown source or one without push: true, naming the fix", async () => {
    const url = await listen({ push: await offlineHandler() });
    const unknown = await post(url, { push_source_name: "nope", df: { a: [1] }, to: "offline" });
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toMatch(/no source named 'nope' \(sources: orders, profiles, ratings\)/);
    const plain = await post(url, { push_source_name: "profiles", df: { customer_id: [1] }, to: "offline" });
    expect(plain.status).toBe(400);
    expect(plain.json.message).toMatch(/source 'profiles' is not a push source: add 'push: true'/);
  });

  it("with a token, /push answers 401 without it, before reading the body", async () => {
    const url = await listen({ push: await offlineHandler(), authToken: TOKEN });
    expect((await post(url, "{not json")).status).toBe(401);
    expect((await post(url, { push_source_name: "orders", df: { a: [1] } }, "Bearer wrong-token-0123456789")).status).toBe(401);
    expect((await post(url, { push_source_name: "nope", df: { a: [1] }, to: "offline" }, `Bearer ${TOKEN}`)).status).toBe(400);
  });
});

describe("fcompile serve --push", () => {
  it("turns the route on (and says so); without --push it stays 404", async () => {
    for (const flag of [[], ["--push"]]) {
      const child = spawn(process.execPath, [path.resolve("bin/fcompile"), "serve", "--port", "0", ...flag], { cwd: dir });
      let out = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /listening on (\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on("exit", () => reject(new Error(`serve exited: ${out}`)));
      });
      try {
        expect(out.includes("POST /push on")).toBe(flag.length > 0);
        const r = await post(url, { push_source_name: "nope", df: { a: [1] }, to: "offline" });
        expect(r.status).toBe(flag.length > 0 ? 400 : 404);
      } finally {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
    }
  });
});
