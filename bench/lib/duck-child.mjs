// One measurement in a fresh process: `node bench/lib/duck-child.mjs JOB.json`.
// JOB = { db, readOnly?, setup?: [sql], timed?: sql, after?: [{name, sql}] }.
// Opens the DuckDB file, runs `setup`, times `timed`, reads peak RSS right after it (so the
// untimed `after` queries — fingerprints, EXPLAIN output — do not count), then runs `after`.
// Prints one JSON line: { ms, cpuMs (user + system, all threads), maxRssKiB, openRssKiB, results: { name: rows } }.
import { DuckDBInstance } from "@duckdb/node-api";
import { readFileSync } from "node:fs";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const instance = await DuckDBInstance.create(job.db, job.readOnly ? { access_mode: "READ_ONLY" } : {});
const conn = await instance.connect();
await conn.run("SET TimeZone = 'UTC'");
for (const sql of job.setup ?? []) await conn.run(sql);
const openRssKiB = process.resourceUsage().maxRSS;

let ms = null;
let cpuMs = null;
let maxRssKiB = null;
if (job.timed) {
  const u0 = process.resourceUsage();
  const t0 = performance.now();
  await conn.run(job.timed);
  ms = performance.now() - t0;
  const u1 = process.resourceUsage();
  maxRssKiB = u1.maxRSS;
  cpuMs = (u1.userCPUTime + u1.systemCPUTime - u0.userCPUTime - u0.systemCPUTime) / 1000;
}

const toJson = (v) => (typeof v === "bigint" ? (Number.isSafeInteger(Number(v)) ? Number(v) : String(v)) : v);
const results = {};
for (const { name, sql } of job.after ?? []) {
  const r = await conn.runAndReadAll(sql);
  results[name] = r.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, toJson(v)])));
}
conn.closeSync();
instance.closeSync();
process.stdout.write(JSON.stringify({ ms, cpuMs, maxRssKiB, openRssKiB, results }) + "\n");
