/**
 * The online store under failure (docs/semantics.md, "Online" and "Bad input"): a load killed midway, two loads at once, readers
 * during a load, and Redis stopping under a reading client.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { load, materialize } from "../src/index.js";
import { createOnlineClient, OnlineError } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { bigProject, writeBigTable } from "./helpers/big-project.js";
import { REDIS_URL, deleteProjectKeys, projectKeys, testProject } from "./helpers/redis.js";
import { removeProject } from "./helpers/temp-project.js";

// Enough rows that a load takes far longer than one poll of the watcher below (it freezes the
// loader as soon as it sees a partial write), and no more: every row is written several times.
const N = 150_000;
const bin = path.resolve("bin/fcompile");
const projects: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const p of projects) await deleteProjectKeys(p);
  dirs.forEach(removeProject);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function startLoad(dir: string): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [bin, "load", "--project", dir], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return { child, done: new Promise((r) => child.on("exit", (code) => r({ code, stderr }))) };
}

/** Reads 100 sampled entities; every value must come from one load (one generation). */
async function generationSeen(client: OnlineClient): Promise<number> {
  const rows = Array.from({ length: 100 }, (_, i) => ({ user_id: Math.floor((i * N) / 100) }));
  const r = await client.getOnlineFeatures({ features: ["stats:a", "stats:c"], entityRows: rows });
  const gens = new Set(r.rows.flatMap((row) => [Number(row.features.a!.value), Number(String(row.features.c!.value).slice(4))]));
  expect([...gens], "a read mixes two loads").toHaveLength(1);
  return [...gens][0]!;
}

describe("Redis online store under failure", () => {
  let project: string;
  let dir: string;
  let client: OnlineClient;
  beforeAll(async () => {
    project = testProject("t_faults");
    projects.push(project);
    dir = bigProject(project, `{type: redis, url: "${REDIS_URL}"}`);
    dirs.push(dir);
    await writeBigTable(dir, N, 1);
    await materialize({ projectDir: dir, end: "2025-02-01" });
    await load({ projectDir: dir, graceMs: 0 });
    client = await createOnlineClient({ project, store: { type: "redis", url: REDIS_URL }, timeoutMs: 2000 });
    expect(await generationSeen(client)).toBe(1);
  });
  afterAll(async () => client?.close());

  it("a load SIGKILLed midway leaves readers on the old data; a rerun completes and leaves no orphaned keys", async () => {
    await writeBigTable(dir, N, 2);
    await materialize({ projectDir: dir, end: "2025-02-01" });
    const redis = new Redis(REDIS_URL);
    const { child, done } = startLoad(dir);
    // Wait until the new version is partly written, freeze the loader there, and look.
    let partial = false;
    for (let i = 0; i < 1500 && !partial; i++) {
      const loading = await redis.hkeys(`fc:${project}:loading`);
      if (loading.length > 0) partial = (await redis.exists(`fc:${project}:v${loading[0]}:0`)) === 1;
      if (!partial) await sleep(10);
    }
    expect(partial, "the load never started writing").toBe(true);
    child.kill("SIGSTOP");
    expect(await generationSeen(client)).toBe(1);
    child.kill("SIGKILL");
    await done;
    expect(await generationSeen(client)).toBe(1);
    // The dead load's lock expires (30 s) or is still there: a rerun waits for nobody once it is gone.
    await redis.del(`fc:${project}:lock`);
    const r = await load({ projectDir: dir, graceMs: 0 });
    expect(r.views[0]!.rows).toBe(N);
    expect(await generationSeen(client)).toBe(2);
    const keys = await projectKeys(project);
    const values = keys.filter((k) => /:v\d+:/.test(k));
    expect(values).toHaveLength(N);
    expect(new Set(values.map((k) => k.split(":")[2]))).toEqual(new Set([`v${r.views[0]!.version}`]));
    expect(keys.filter((k) => !/:v\d+:/.test(k))).toEqual([`fc:${project}:meta`, `fc:${project}:pointer`, `fc:${project}:seq`]);
    expect(await redis.hkeys(`fc:${project}:meta`)).toEqual(expect.arrayContaining(["services", `v${r.views[0]!.version}`]));
    expect(await redis.hlen(`fc:${project}:meta`)).toBe(2);
    redis.disconnect();
  });

  it("two loads at once: one waits for nobody and wins, the other stops; readers never see a mixture", async () => {
    await writeBigTable(dir, N, 3);
    await materialize({ projectDir: dir, end: "2025-02-01" });
    const a = startLoad(dir);
    const b = startLoad(dir);
    let reading = true;
    const seen = new Set<number>();
    const reader = (async () => {
      while (reading) seen.add(await generationSeen(client));
    })();
    const results = await Promise.all([a.done, b.done]);
    reading = false;
    await reader;
    const ok = results.filter((r) => r.code === 0);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of results.filter((x) => x.code !== 0)) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/another load of this project is running/);
    }
    expect([...seen].every((g) => g === 2 || g === 3)).toBe(true);
    expect(await generationSeen(client)).toBe(3);
    const values = (await projectKeys(project)).filter((k) => /:v\d+:/.test(k));
    expect(values).toHaveLength(N);
  });
});

describe("SQLite online store under failure", () => {
  it("a load killed midway is rolled back: readers keep the old data, a rerun completes, nothing is left over", async () => {
    const project = testProject("t_sqlite_faults");
    const dir = bigProject(project, "{type: sqlite, path: online.sqlite}");
    dirs.push(dir);
    const file = path.join(dir, "online.sqlite");
    await writeBigTable(dir, N, 1);
    await materialize({ projectDir: dir, end: "2025-02-01" });
    await load({ projectDir: dir });
    const client = await createOnlineClient({ project, store: { type: "sqlite", path: file } });
    expect(await generationSeen(client)).toBe(1);
    await writeBigTable(dir, N, 2);
    await materialize({ projectDir: dir, end: "2025-02-01" });
    const { child, done } = startLoad(dir);
    let partial = false;
    for (let i = 0; i < 3000 && !partial; i++) {
      partial = existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 1 << 20;
      if (!partial) await sleep(10);
    }
    expect(partial, "the load never started writing").toBe(true);
    child.kill("SIGSTOP");
    expect(await generationSeen(client)).toBe(1);
    child.kill("SIGKILL");
    await done;
    expect(await generationSeen(client)).toBe(1);
    const second = startLoad(dir);
    expect((await second.done).code).toBe(0);
    expect(await generationSeen(client)).toBe(2);
    await client.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT count(*) AS n, count(DISTINCT version) AS v FROM fc_values").get()).toEqual({ n: N, v: 1 });
    expect(db.prepare("SELECT count(*) AS n FROM fc_meta WHERE name LIKE 'v%'").get()).toEqual({ n: 1 });
    db.close();
  });
});

describe("a client while Redis stops", () => {
  it("fails within its timeout with a typed error, and reads again when Redis is back", async () => {
    const port = 20000 + (process.pid % 20000);
    const url = `redis://127.0.0.1:${port}/0`;
    const startRedis = (): ChildProcess =>
      spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    let server = startRedis();
    try {
      await waitForRedis(url);
      const project = testProject("t_stop");
      const dir = bigProject(project, `{type: redis, url: "${url}"}`);
      dirs.push(dir);
      await writeBigTable(dir, 1000, 1);
      await materialize({ projectDir: dir, end: "2025-02-01" });
      await load({ projectDir: dir, graceMs: 0 });
      const client = await createOnlineClient({ project, store: { type: "redis", url }, timeoutMs: 300 });
      const read = () => client.getOnlineFeatures({ features: ["stats:a"], entityRows: [{ user_id: 7 }] });
      expect((await read()).rows[0]!.features.a!.value).toBe(1n);

      // A server that hangs: the read gives up at the timeout.
      server.kill("SIGSTOP");
      let t = performance.now();
      const hung = await read().catch((e: unknown) => e);
      expect(hung).toBeInstanceOf(OnlineError);
      expect((hung as OnlineError).code).toBe("TIMEOUT");
      expect(performance.now() - t).toBeLessThan(300 + 250);
      server.kill("SIGCONT");
      await sleep(100);
      expect((await read()).rows[0]!.features.a!.status).toBe("PRESENT");

      // A server that is gone: the read fails fast; when it is back (and loaded again), reads work.
      server.kill("SIGKILL");
      await new Promise((r) => server.on("exit", r));
      t = performance.now();
      const gone = await read().catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(OnlineError);
      expect(["UNAVAILABLE", "TIMEOUT"]).toContain((gone as OnlineError).code);
      expect(performance.now() - t).toBeLessThan(300 + 250);
      server = startRedis();
      await waitForRedis(url);
      await load({ projectDir: dir, graceMs: 0 });
      let back: unknown;
      for (let i = 0; i < 50; i++) {
        back = await read().catch((e: unknown) => e);
        if (!(back instanceof Error)) break;
        await sleep(100);
      }
      expect((back as Awaited<ReturnType<typeof read>>).rows[0]!.features.a!.value).toBe(1n);
      await client.close();
    } finally {
      server.kill("SIGKILL");
    }
  });
});

async function waitForRedis(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on("error", () => undefined);
    const ok = await r
      .connect()
      .then(() => r.ping())
      .then(
        () => true,
        () => false,
      );
    r.disconnect();
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`redis-server at ${url} did not start`);
}
