/**
 * The served-feature log (docs/online.md, "Logging served features"): the client's `logFeatures`
 * on a real SQLite and a real Redis store (rows and columns, every row at rate 1, a sample below
 * it, a write error that fails no read), and `fcompile serve --log-features` from real HTTP requests.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "lossless-json";
import { afterAll, describe, expect, it } from "vitest";
import { createOnlineClient } from "../src/client/index.js";
import { fcompileOk } from "./helpers/cli.js";
import { STORE_TYPES, TEST_STORES } from "./helpers/online-stores.js";
import { testProject } from "./helpers/redis.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";
import type { OnlineStoreType } from "../src/online/stores.js";

const bin = path.resolve("bin/fcompile");
const BIG = "9007199254740993"; // 2^53 + 1
const DEFINITIONS = `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: users, path: ../data/users.csv, timestamp: ts}
feature_views:
  - name: user_stats
    entities: [user]
    source: users
    ttl: 30d
    features:
      - {name: amount, type: float64}
      - {name: plan, type: string}
      - {name: big, type: int64}
      - {name: seen, type: timestamp}
feature_services:
  - {name: scoring, features: [user_stats:amount, user_stats:plan, user_stats:big]}
`;
const USERS = `user_id,ts,amount,plan,big,seen
1,2025-08-10 00:00:00,1.5,gold,${BIG},2025-08-09 12:00:00.123456
2,2025-08-12 06:30:00,nan,,7,
3,2025-08-13 00:00:00,2.5,silver,-5,2025-08-01 00:00:00
`;
const AT = "2025-08-20T00:00:00Z";

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const projects = new Map<OnlineStoreType, Promise<{ dir: string; name: string }>>();
/** The test project, built, materialized and loaded into `store` once (each test writes its own log file). */
function project(store: OnlineStoreType): Promise<{ dir: string; name: string }> {
  if (!projects.has(store)) projects.set(store, prepare(store));
  return projects.get(store)!;
}

async function prepare(store: OnlineStoreType): Promise<{ dir: string; name: string }> {
  const name = testProject("t_flog");
  const dir = tempProject({
    "fcompile.yaml": `name: ${name}\ndefinitions: [definitions]\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: ${TEST_STORES[store].yaml}\n`,
    "definitions/defs.yml": DEFINITIONS,
    "data/users.csv": USERS,
  });
  cleanups.push(() => removeProject(dir));
  cleanups.push(() => TEST_STORES[store].cleanup(name));
  for (const step of [["build"], ["run"], ["materialize", "--end", "2025-08-15"], ["load"]]) await fcompileOk(dir, ...step);
  return { dir, name };
}

/** The log's lines, parsed with int64 kept exact. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- log lines are checked by value
type Line = Record<string, any>;

function lines(file: string): Line[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => parse(l, null, (t) => (/^-?\d+$/.test(t) && !Number.isSafeInteger(Number(t)) ? BigInt(t) : Number(t))) as Line);
}

/** A seeded draw in [0, 1) (an LCG): the same sequence every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe.each(STORE_TYPES)("the client's served-feature log (%s)", (store) => {
  it("logs every entity row of row and column reads at rate 1, in the shared format", async () => {
    const { dir, name } = await project(store);
    const file = path.join(dir, "served.ndjson");
    const client = await createOnlineClient({ project: name, store: TEST_STORES[store].config(dir), logFeatures: { path: file } });
    const rows = await client.getOnlineFeatures({
      service: "scoring",
      entityRows: [{ user_id: 1 }, { user_id: 2 }, { user_id: 99 }],
      at: AT,
    });
    expect(rows.rows).toHaveLength(3);
    await client.getOnlineFeatureColumns({ features: ["user_stats:amount", "user_stats:seen"], entityRows: [{ user_id: 3n }], at: AT });
    expect(lines(file)).toEqual([]); // buffered: nothing written before the threshold or close
    await client.close();
    const got = lines(file);
    expect(got).toHaveLength(4);
    expect(got[0]).toEqual({
      requestTime: "2025-08-20T00:00:00Z",
      service: "scoring",
      entity: { user_id: 1 },
      features: {
        amount: { value: 1.5, status: "PRESENT", eventTimestamp: "2025-08-10T00:00:00Z", feature: "user_stats:amount" },
        plan: { value: "gold", status: "PRESENT", eventTimestamp: "2025-08-10T00:00:00Z", feature: "user_stats:plan" },
        // 2^53 + 1 does not fit a double: its digits as text.
        big: { value: BIG, status: "PRESENT", eventTimestamp: "2025-08-10T00:00:00Z", feature: "user_stats:big" },
      },
    });
    // NaN keeps its status, as text; a NULL is null with NULL_VALUE and its event time.
    expect(got[1]!.features.amount).toEqual({
      value: "NaN",
      status: "PRESENT",
      eventTimestamp: "2025-08-12T06:30:00Z",
      feature: "user_stats:amount",
    });
    expect(got[1]!.features.plan).toEqual({
      value: null,
      status: "NULL_VALUE",
      eventTimestamp: "2025-08-12T06:30:00Z",
      feature: "user_stats:plan",
    });
    expect(got[1]!.features.big.value).toBe(7);
    expect(got[2]!.features.amount).toEqual({ value: null, status: "NOT_FOUND", eventTimestamp: null, feature: "user_stats:amount" });
    expect(got[3]).toEqual({
      requestTime: "2025-08-20T00:00:00Z",
      service: null,
      entity: { user_id: 3 },
      features: {
        amount: { value: 2.5, status: "PRESENT", eventTimestamp: "2025-08-13T00:00:00Z", feature: "user_stats:amount" },
        seen: { value: "2025-08-01T00:00:00Z", status: "PRESENT", eventTimestamp: "2025-08-13T00:00:00Z", feature: "user_stats:seen" },
      },
    });
  });

  it("logs each row with probability sampleRate: exactly the rows a seeded draw picks, and about rate × n with Math.random", async () => {
    const { dir, name } = await project(store);
    const config = TEST_STORES[store].config(dir);
    const entityRows = Array.from({ length: 2000 }, (_, i) => ({ user_id: (i % 3) + 1 }));
    const seededFile = path.join(dir, "seeded.ndjson");
    const draw = seeded(42);
    const expected = Array.from({ length: entityRows.length }, seeded(42)).filter((x) => x < 0.1).length;
    const a = await createOnlineClient({ project: name, store: config, logFeatures: { path: seededFile, sampleRate: 0.1, random: draw } });
    await a.getOnlineFeatureColumns({ service: "scoring", entityRows, at: AT });
    await a.close();
    expect(lines(seededFile)).toHaveLength(expected);

    const randomFile = path.join(dir, "random.ndjson");
    const b = await createOnlineClient({ project: name, store: config, logFeatures: { path: randomFile, sampleRate: 0.25 } });
    for (let i = 0; i < 4; i++) await b.getOnlineFeatures({ service: "scoring", entityRows, at: AT });
    await b.close();
    // n = 8000, p = 0.25: mean 2000, sd ≈ 39; ±8 sd never fails by chance.
    const n = lines(randomFile).length;
    expect(n).toBeGreaterThan(2000 - 310);
    expect(n).toBeLessThan(2000 + 310);
  });

  it("a write error fails no read: reported once, reads go on", async () => {
    const { dir, name } = await project(store);
    const errors: Error[] = [];
    const client = await createOnlineClient({
      project: name,
      store: TEST_STORES[store].config(dir),
      logFeatures: { path: path.join(dir, "no/such/folder/log.ndjson"), flushBytes: 1, onError: (e) => errors.push(e) },
    });
    for (let i = 0; i < 3; i++) {
      const r = await client.getOnlineFeatures({ service: "scoring", entityRows: [{ user_id: 1 }], at: AT });
      expect(r.rows[0]!.features.plan!.value).toBe("gold");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/served-feature log .*log\.ndjson stopped: .*ENOENT.*reads go on without it/);
  });
});

it("rejects a sample rate outside (0, 1]", async () => {
  for (const sampleRate of [0, -1, 1.5, Number.NaN])
    await expect(
      createOnlineClient({ project: "t_flog", store: { type: "sqlite", path: "/nonexistent" }, logFeatures: { path: "x", sampleRate } }),
    ).rejects.toThrow(/sampleRate must be in \(0, 1\]/);
});

it("fcompile serve --log-features logs the rows of real HTTP requests, written at shutdown", async () => {
  const { dir } = await project("sqlite");
  const file = path.join(dir, "serve-http.ndjson");
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--log-features", file, "--log-sample-rate", "1"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+) .*logging served features to .*serve-http\.ndjson at rate 1\)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on("exit", () => reject(new Error(`serve exited: ${stderr}`)));
  });
  for (const ids of [[1, 2], [3]]) {
    const res = await fetch(`${url}/get-online-features`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ feature_service: "scoring", entities: { user_id: ids }, at: AT }),
    });
    expect(res.status).toBe(200);
  }
  const closed = new Promise((resolve) => child.on("close", resolve));
  child.kill("SIGTERM");
  await closed;
  const got = lines(file);
  expect(got.map((l) => l.entity.user_id)).toEqual([1, 2, 3]);
  expect(got[0]!.service).toBe("scoring");
  expect(got[2]!.features.plan).toEqual({
    value: "silver",
    status: "PRESENT",
    eventTimestamp: "2025-08-13T00:00:00Z",
    feature: "user_stats:plan",
  });
});
