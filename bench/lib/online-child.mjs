// One step of the online benchmark in a fresh process: `node bench/lib/online-child.mjs JOB.json`.
// JOB = { mode, dir, url, … } with mode
//   materialize   api.materialize({ end }) of the benchmark project (untimed setup)
//   load          api.load() of the project into its online store: fcompile's load, timed around the call
//   ioredis-set   the same number of keys and values of the same size, prebuilt in memory, written
//                 with ioredis pipelines exactly as the Redis writer batches them (diagnostic: the
//                 cost of ioredis itself)
//   hash          the materialized rows as one Redis hash per entity (10 fields, values as text),
//                 for the memory comparison
// Prints one JSON line: { ms, cpuMs, rows, maxRssKiB, … }.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_DIR } from "./common.mjs";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const dist = (p) => import(pathToFileURL(path.join(REPO_DIR, "dist", p)).href);

function usage(u0, t0, extra) {
  const ms = performance.now() - t0;
  const u1 = process.resourceUsage();
  return { ms, cpuMs: (u1.userCPUTime + u1.systemCPUTime - u0.userCPUTime - u0.systemCPUTime) / 1000, maxRssKiB: u1.maxRSS, ...extra };
}

async function main() {
  if (job.mode === "materialize") {
    const { materialize } = await dist("index.js");
    const r = await materialize({ projectDir: job.dir, end: job.end });
    return { ms: r.ms, rows: r.views.reduce((n, v) => n + v.rows, 0) };
  }
  if (job.mode === "load") {
    const { load } = await dist("index.js");
    const u0 = process.resourceUsage();
    const t0 = performance.now();
    const r = await load({ projectDir: job.dir, graceMs: 0, ...(job.batchSize ? { batchSize: job.batchSize } : {}) });
    return usage(u0, t0, { rows: r.views.reduce((n, v) => n + v.rows, 0), versions: r.views.map((v) => v.version) });
  }
  const { Redis } = await import("ioredis");
  const redis = new Redis(job.url, { maxRetriesPerRequest: 2, lazyConnect: true });
  await redis.connect();
  try {
    if (job.mode === "ioredis-set") {
      const prefix = `fc:${job.project}:v1:`;
      const keys = new Array(job.n);
      const values = new Array(job.n);
      for (let i = 0; i < job.n; i++) {
        keys[i] = prefix + (i + 1);
        const b = Buffer.allocUnsafe(job.valueBytes);
        b.fill(i & 0xff);
        values[i] = b;
      }
      const u0 = process.resourceUsage();
      const t0 = performance.now();
      const inflight = new Set();
      for (let i = 0; i < job.n; i += job.batch) {
        const pipe = redis.pipeline();
        for (let j = i; j < Math.min(i + job.batch, job.n); j++) pipe.set(keys[j], values[j]);
        const p = pipe.exec().then((res) => {
          const err = res.find((r) => r[0]);
          if (err) throw err[0];
        });
        const tracked = p.finally(() => inflight.delete(tracked));
        inflight.add(tracked);
        while (inflight.size >= job.inflight) await Promise.race(inflight);
      }
      await Promise.all(inflight);
      return usage(u0, t0, { rows: job.n });
    }
    if (job.mode === "hash") {
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const db = await DuckDBInstance.create(path.join(job.dir, "warehouse.duckdb"), { access_mode: "READ_ONLY" });
      const conn = await db.connect();
      const cols = job.features.map((f) => `"${f}"`).join(", ");
      const r = await conn.runAndReadAll(`SELECT customer_id, ${cols} FROM "${job.schema}"."mat__${job.view}"`);
      const rows = r.getRows();
      conn.closeSync();
      db.closeSync();
      const prefix = `fc:${job.project}:`;
      const u0 = process.resourceUsage();
      const t0 = performance.now();
      const inflight = new Set();
      for (let i = 0; i < rows.length; i += job.batch) {
        const pipe = redis.pipeline();
        for (let j = i; j < Math.min(i + job.batch, rows.length); j++) {
          const row = rows[j];
          const args = [];
          for (let f = 0; f < job.features.length; f++) if (row[f + 1] !== null) args.push(job.features[f], String(row[f + 1]));
          pipe.hset(prefix + String(row[0]), ...args);
        }
        const p = pipe.exec().then((res) => {
          const err = res.find((x) => x[0]);
          if (err) throw err[0];
        });
        const tracked = p.finally(() => inflight.delete(tracked));
        inflight.add(tracked);
        while (inflight.size >= job.inflight) await Promise.race(inflight);
      }
      await Promise.all(inflight);
      return usage(u0, t0, { rows: rows.length });
    }
    throw new Error(`unknown mode ${job.mode}`);
  } finally {
    redis.disconnect();
  }
}

process.stdout.write(JSON.stringify(await main()) + "\n");
