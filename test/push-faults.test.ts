/**
 * Pushes under faults (docs/push.md), on every online store: a process killed (SIGKILL) in the
 * middle of a push of many batches leaves each batch all or nothing — the state is that of some
 * whole batches — and the same push retried with its dedupe_key completes it exactly once; a
 * load switching versions while pushes of events at or after its end keep running loses none of
 * them. SQLite: a push waits for a write lock held elsewhere without blocking its process, and
 * fails with TIMEOUT (nothing written) when it is held past the client's timeout.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { OnlineError, createOnlineClient } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { load, materialize, run } from "../src/index.js";
import { STORE_TYPES, TEST_STORES } from "./helpers/online-stores.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeProject));

const DIST_CLIENT = path.resolve(import.meta.dirname, "..", "dist", "client", "index.js");
const CLI = path.resolve(import.meta.dirname, "..", "bin", "fcompile");
const BATCH = 50;
const BATCHES = 200;

async function setUp(store: (typeof STORE_TYPES)[number]): Promise<{ client: OnlineClient; dir: string; name: string }> {
  const name = `t_pushf_${store}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const dir = tempProject({
    "fcompile.yaml": `name: ${name}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: ${TEST_STORES[store].yaml}\n`,
    "definitions/d.yml": [
      "entities: [{name: customer, join_keys: [{name: customer_id, type: int64}]}]",
      "sources: [{name: orders, path: ../data/orders.csv, timestamp: ts, push: true, dedupe_key: order_id}]",
      "feature_views:",
      "  - {name: agg, entities: [customer], source: orders, lateness: 30d, aggregations: [{name: n, function: count, window: lifetime}, {name: total, function: sum, column: amount, window: lifetime}]}",
    ].join("\n"),
    "data/orders.csv": ["customer_id,order_id,amount,ts", "1,o1,10,2025-01-01 10:00:00", "1,o2,5,2025-01-01 11:00:00"].join("\n"),
  });
  dirs.push(dir);
  await run({ projectDir: dir });
  await materialize({ projectDir: dir, end: "2025-01-02" });
  await load({ projectDir: dir, graceMs: 0 });
  const client = await createOnlineClient({ project: name, store: TEST_STORES[store].config(dir) as never, timeoutMs: 10_000 });
  return { client, dir, name };
}

async function count(client: OnlineClient, at = "2025-02-01"): Promise<bigint> {
  const res = await client.getOnlineFeatures({ features: ["agg:n"], entityRows: [{ customer_id: 1 }], at });
  return res.rows[0]!.features.n!.value as bigint;
}

/** The rows the child pushes (and the retry pushes again): BATCHES × BATCH events of customer 1 after the end. */
const ROWS_SOURCE = `Array.from({ length: ${BATCHES * BATCH} }, (_, i) => ({ customer_id: 1, order_id: "k" + i, amount: 1, ts: new Date(Date.UTC(2025, 0, 2) + i * 1000) }))`;

describe("pushes under faults", () => {
  for (const store of STORE_TYPES) {
    it(`${store}: a push killed midway leaves whole batches; the retry with dedupe_key completes it exactly once`, async () => {
      const { client, dir, name } = await setUp(store);
      try {
        const script = path.join(dir, "pusher.mjs");
        writeFileSync(
          script,
          [
            `import { createOnlineClient } from ${JSON.stringify(DIST_CLIENT)};`,
            `const client = await createOnlineClient({ project: ${JSON.stringify(name)}, store: ${JSON.stringify(TEST_STORES[store].config(dir))}, timeoutMs: 10000 });`,
            `const rows = ${ROWS_SOURCE};`,
            `process.stdout.write("start\\n");`,
            `await client.push("orders", rows, { batchSize: ${BATCH} });`,
            `process.stdout.write("done\\n");`,
          ].join("\n"),
        );
        const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "pipe"] });
        let err = "";
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        await new Promise<void>((resolve, reject) => {
          child.stdout.on("data", (d: Buffer) => {
            if (d.toString().includes("start")) {
              // Killed while batches are being sent: after some but (most likely) not all.
              const poll = setInterval(() => {
                void count(client).then((n) => {
                  if (n > 2n) {
                    clearInterval(poll);
                    child.kill("SIGKILL");
                  }
                });
              }, 5);
            }
          });
          child.on("exit", () => resolve());
          child.on("error", reject);
        });
        expect(err).toBe("");
        const after = await count(client);
        const pushed = after - 2n;
        // All or nothing per batch: a whole number of batches.
        expect(pushed % BigInt(BATCH), `${pushed} events pushed before the kill`).toBe(0n);
        expect(pushed).toBeGreaterThan(0n);
        // The retry: the batches already applied are duplicates, the rest applied once.
        const rows = new Function(`return ${ROWS_SOURCE}`)() as Record<string, unknown>[];
        const report = await client.push("orders", rows, { batchSize: BATCH });
        expect(report.duplicates).toBe(Number(pushed));
        expect(report.applied.agg).toBe(BATCHES * BATCH - Number(pushed));
        expect(await count(client)).toBe(2n + BigInt(BATCHES * BATCH));
      } finally {
        await client.close();
        await TEST_STORES[store].cleanup(name);
      }
    }, 60_000);

    it(`${store}: a load during a stream of pushes loses none of the pushed events at or after its end`, async () => {
      const { client, dir, name } = await setUp(store);
      try {
        const e2 = Date.UTC(2025, 0, 4);
        let pushed = 0;
        let stop = false;
        const stream = (async () => {
          // Events at and after the new load's end, pushed while it materializes, loads and switches.
          for (let b = 0; !stop || b < 3; b++) {
            const rows = Array.from({ length: 20 }, (_, i) => ({
              customer_id: 1,
              order_id: `s${b}-${i}`,
              amount: 1,
              ts: new Date(e2 + (b * 20 + i) * 1000),
            }));
            const r = await client.push("orders", rows);
            pushed += r.applied.agg!;
            expect(r.late.agg).toBe(0);
          }
        })();
        await new Promise((r) => setTimeout(r, 50));
        await materialize({ projectDir: dir, end: "2025-01-04" });
        // The load in another process, as in production.
        const loader = spawn(process.execPath, [CLI, "load", "--project", dir], { stdio: ["ignore", "ignore", "pipe"] });
        let loadErr = "";
        loader.stderr.on("data", (d: Buffer) => (loadErr += d.toString()));
        const code = await new Promise<number | null>((resolve) => loader.on("exit", resolve));
        expect(loadErr).toBe("");
        expect(code).toBe(0);
        stop = true;
        await stream;
        expect(pushed).toBeGreaterThan(60);
        expect(await count(client)).toBe(2n + BigInt(pushed));
        // A read just after the new end still counts every event pushed at the end itself.
        expect(await count(client, "2025-01-04 00:00:00.000001")).toBe(3n);
      } finally {
        await client.close();
        await TEST_STORES[store].cleanup(name);
      }
    }, 60_000);
  }

  it("sqlite: a push waits for the write lock without blocking the event loop, and fails with TIMEOUT past the timeout, nothing written", async () => {
    const { client: reader, dir, name } = await setUp("sqlite");
    const client = await createOnlineClient({ project: name, store: TEST_STORES.sqlite.config(dir), timeoutMs: 300 });
    // Another writer (as a load does for its whole transaction) holds the lock.
    const other = new Database(TEST_STORES.sqlite.config(dir).path);
    try {
      const row = (id: string) => [{ customer_id: 1, order_id: id, amount: 1, ts: "2025-01-03 00:00:00" }];
      other.exec("BEGIN IMMEDIATE");
      let ticks = 0;
      const tick = setInterval(() => ticks++, 10);
      const started = performance.now();
      const err = await client.push("orders", row("w1")).catch((e: unknown) => e);
      const waited = performance.now() - started;
      clearInterval(tick);
      expect(err).toBeInstanceOf(OnlineError);
      expect((err as OnlineError).code).toBe("TIMEOUT");
      expect((err as Error).message).toMatch(/stayed locked .* push it again/);
      expect(waited).toBeGreaterThanOrEqual(290);
      expect(waited).toBeLessThan(5000);
      expect(ticks, "timers ran while the push waited").toBeGreaterThan(5);
      // The lock freed while a push waits: it is applied.
      const pending = client.push("orders", row("w2"));
      setTimeout(() => other.exec("ROLLBACK"), 50);
      expect((await pending).applied.agg).toBe(1);
      expect(await count(reader)).toBe(3n);
    } finally {
      other.close();
      await client.close();
      await reader.close();
    }
  });
});
