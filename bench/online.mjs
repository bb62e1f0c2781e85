// online: load into Redis (vs redis-benchmark SET), memory per entity (vs a hash), read latency (vs raw GET/MGET), HTTP serve
//
//   node bench/run.mjs online [--entities 1000000] [--repeat 5] [--parts load,read,http]
//                             [--variants fcompile,fcompile_ttl,redis_benchmark,ioredis,hash]
//                             [--single 10000] [--batches 3000] [--batch 100] [--block 100] [--warmup 1000]
//                             [--connections 32] [--duration 10] [--url redis://127.0.0.1:6379/0]
//                             [--profile] [--keep]
//
// Data: one view `stats` of 10 features (8 float64 + 2 int64, no NULLs) over `customer`, one row
// per entity, generated with DuckDB SQL into bench/.data/online-e<N>[-ttl]/warehouse.duckdb and
// materialized once (reused while the parameters match). Project `fcbench_online` has no ttl (plain
// SET); `fcbench_online_ttl` has ttl 30d (SET … PXAT). Keys written: fc:fcbench_*; all deleted at
// the end unless --keep.
//
// load — each variant in a fresh process, rotating order per round; before each, the variant's
// keys are deleted and `INFO memory` read; after it, read again (used_memory delta / entities):
//   fcompile          api.load() (DuckDB read → codec → Redis writer → pointer flip), timed around the call
//   fcompile_ttl      the same with a ttl: every SET carries PXAT
//   redis_benchmark   redis-benchmark -c 50 -P 100 -n N -r N SET fc:fcbench_rb:v1:__rand_int__ <value of the same size>
//   ioredis           prebuilt keys/values written with ioredis pipelines as the writer batches them (diagnostic)
//   hash              one hash per entity with the same 10 fields as text (memory comparison)
// read — bench/lib/online-read-child.mjs: createOnlineClient vs raw ioredis GET / MGET, sequential.
// http — bench/lib/online-http.mjs: `bin/fcompile serve` under autocannon, 32 connections.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { spawn } from "node:child_process";
import {
  DATA_DIR,
  REPO_DIR,
  duckdbVersion,
  fmtMs,
  machine,
  machineLine,
  median,
  parseArgs,
  runChild,
  table,
  today,
} from "./lib/common.mjs";
import { connect, deleteProjectKeys, hostPort, memoryInfo, redisBenchmarkSet, sampledKeyBytes, settle } from "./lib/online-redis.mjs";

const GENERATOR_VERSION = 1;
const END = "2026-01-01 00:00:00";
const FEATURES = [
  ...Array.from({ length: 8 }, (_, i) => ({ name: `f${i + 1}`, type: "float64" })),
  { name: "n1", type: "int64" },
  { name: "n2", type: "int64" },
];
const DUCK_CHILD = path.join(REPO_DIR, "bench/lib/duck-child.mjs");
const CHILD = path.join(REPO_DIR, "bench/lib/online-child.mjs");
const READ_CHILD = path.join(REPO_DIR, "bench/lib/online-read-child.mjs");

const DESCRIPTIONS = {
  fcompile: "fcompile load (api.load), no ttl: SET",
  fcompile_ttl: "fcompile load (api.load), ttl 30d: SET … PXAT",
  redis_benchmark: "redis-benchmark SET, -c 50 -P 100 (ceiling)",
  ioredis: "ioredis pipelines of prebuilt SETs (diagnostic)",
  hash: "ioredis pipelines of HSET, 10 fields as text",
};

// ---------------------------------------------------------------- dataset

function projectFiles(project, ttl) {
  const config = [
    `name: ${project}`,
    "target: local",
    "targets:",
    "  local:",
    "    type: duckdb",
    "    path: warehouse.duckdb",
    "online:",
    "  type: redis",
    "  url: ${FCBENCH_REDIS_URL:-redis://127.0.0.1:6379/0}",
    "",
  ].join("\n");
  const yaml = [
    "entities:",
    "  - name: customer",
    "    join_keys: [customer_id]",
    "sources:",
    "  - name: features",
    "    table: bench.features",
    "    timestamp: ts",
    "feature_views:",
    "  - name: stats",
    "    entities: [customer]",
    "    source: features",
    ...(ttl ? [`    ttl: ${ttl}`] : []),
    "    features:",
    ...FEATURES.map((f) => `      - {name: ${f.name}, type: ${f.type}}`),
    "feature_services:",
    "  - name: bench_model",
    '    features: ["stats:*"]',
    "",
  ].join("\n");
  return { "fcompile.yaml": config, "definitions/bench.yml": yaml };
}

/** One row per entity, event time in the 10 days before END, every feature non-NULL. */
function generateSql(n) {
  const u = (s) => `u(i, ${s})`;
  return [
    "CREATE SCHEMA IF NOT EXISTS bench",
    "CREATE OR REPLACE TEMP MACRO u(i, s) AS CAST(hash(i * 1000 + s) >> 11 AS DOUBLE) / 9007199254740992.0",
    `CREATE OR REPLACE TABLE bench.features AS
     SELECT i + 1 AS customer_id,
       TIMESTAMP '${END}' - to_seconds(CAST(floor(${u(1)} * 864000) AS BIGINT) + 1) AS ts,
       ${FEATURES.slice(0, 8)
         .map((f, k) => `${u(k + 2)} * ${10 ** (k % 4)} AS ${f.name}`)
         .join(",\n       ")},
       CAST(floor(${u(10)} * 1e12) AS BIGINT) AS n1,
       CAST(floor(${u(11)} * 1e6) AS BIGINT) AS n2
     FROM range(${n}) r(i)`,
    "CHECKPOINT",
  ];
}

/** Creates (or reuses, when the parameters match) a project folder, its DuckDB data and materialization. */
async function ensureProject({ entities, ttl }) {
  const project = ttl ? "fcbench_online_ttl" : "fcbench_online";
  const dir = path.join(DATA_DIR, `online-e${entities}${ttl ? "-ttl" : ""}`);
  const files = projectFiles(project, ttl);
  const params = { generator: GENERATOR_VERSION, duckdb: duckdbVersion(), entities, ttl, end: END, files };
  const db = path.join(dir, "warehouse.duckdb");
  const metaFile = path.join(dir, "params.json");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  const info = { project, dir, ttl, entities };
  if (existsSync(db) && existsSync(metaFile) && readFileSync(metaFile, "utf8") === JSON.stringify(params)) {
    console.log(`dataset: reusing ${path.relative(REPO_DIR, dir)} (${project})`);
    return info;
  }
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  rmSync(metaFile, { force: true });
  console.log(`dataset: generating ${path.relative(REPO_DIR, dir)} (${project}) …`);
  const gen = await runChild(DUCK_CHILD, [writeJob(dir, "generate", { db, timed: generateSql(entities).join(";\n") })]);
  await materializeProject(info);
  console.log(`dataset: generated in ${fmtMs(gen.ms)}, materialized`);
  writeFileSync(metaFile, JSON.stringify(params));
  return info;
}

async function materializeProject(p) {
  const r = await runChild(CHILD, [writeJob(p.dir, "materialize", { mode: "materialize", dir: p.dir, end: END })]);
  if (r.rows !== p.entities) throw new Error(`materialized ${r.rows} rows, expected ${p.entities}`);
}

function writeJob(dir, name, job) {
  const file = path.join(dir, `job-${name}.json`);
  writeFileSync(file, JSON.stringify(job));
  return file;
}

/** The packed size of one entity's value (every feature non-NULL), from fcompile's own codec. */
async function packedValueBytes() {
  const { encodeValue } = await import(pathToFileURL(path.join(REPO_DIR, "dist/online/codec.js")).href);
  return encodeValue(
    FEATURES.map((f) => f.type),
    0n,
    FEATURES.map((f) => (f.type === "int64" ? 1n : 0.5)),
  ).length;
}

/** `node [flags] script job` with optional --cpu-prof; resolves with the JSON of the last stdout line. */
function runNode(script, jobFile, { profileDir } = {}) {
  if (!profileDir) return runChild(script, [jobFile]);
  return new Promise((resolve, reject) => {
    mkdirSync(profileDir, { recursive: true });
    const child = spawn(process.execPath, ["--cpu-prof", "--cpu-prof-dir", profileDir, script, jobFile], {
      cwd: REPO_DIR,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${path.basename(script)} exited ${code}`));
      resolve(JSON.parse(out.trim().split("\n").pop()));
    });
  });
}

// ---------------------------------------------------------------- load

async function countKeys(redis, pattern) {
  let n = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 10000);
    cursor = next;
    n += keys.length;
  } while (cursor !== "0");
  return n;
}

async function loadRound(v, ctx) {
  const { redis, args, projects, entities, valueBytes, url } = ctx;
  const project =
    { fcompile: projects.plain?.project, fcompile_ttl: projects.ttl?.project, redis_benchmark: "fcbench_rb" }[v] ?? `fcbench_${v}`;
  await deleteProjectKeys(redis, project);
  await settle(redis);
  const before = (await memoryInfo(redis)).used_memory;
  let m;
  if (v === "fcompile" || v === "fcompile_ttl") {
    const p = v === "fcompile" ? projects.plain : projects.ttl;
    const job = writeJob(p.dir, "load", { mode: "load", dir: p.dir });
    const profileDir = args.profile ? path.join(DATA_DIR, "online-prof") : undefined;
    try {
      m = await runNode(CHILD, job, { profileDir });
    } catch (err) {
      if (!/changed since it was materialized/.test(String(err))) throw err;
      console.log(`${p.project}: the view changed since it was materialized; materializing again`);
      await materializeProject(p);
      m = await runNode(CHILD, job, { profileDir });
    }
  } else if (v === "redis_benchmark") {
    const { host, port } = hostPort(url);
    const r = await redisBenchmarkSet({ host, port, n: entities, keyspace: entities, valueBytes });
    m = { ms: (entities / r.rps) * 1000, rows: entities, rps: r.rps, command: r.command };
  } else if (v === "ioredis") {
    m = await runNode(
      CHILD,
      writeJob(DATA_DIR, "ioredis", { mode: "ioredis-set", url, project, n: entities, valueBytes, batch: 2000, inflight: 4 }),
    );
  } else if (v === "hash") {
    const p = projects.plain;
    m = await runNode(
      CHILD,
      writeJob(p.dir, "hash", {
        mode: "hash",
        url,
        project,
        dir: p.dir,
        schema: p.project,
        view: "stats",
        features: FEATURES.map((f) => f.name),
        batch: 2000,
        inflight: 4,
      }),
    );
  }
  await settle(redis);
  const after = (await memoryInfo(redis)).used_memory;
  // redis-benchmark draws random keys, so fewer distinct keys than requests exist.
  const keys = v === "redis_benchmark" ? await countKeys(redis, `fc:${project}:*`) : m.rows;
  const usage = await sampledKeyBytes(redis, v === "hash" ? `fc:${project}:*` : `fc:${project}:v*`);
  return { ...m, rate: (m.rows / m.ms) * 1000, memoryBytes: after - before, keys, bytesPerKey: (after - before) / keys, usage, project };
}

// ---------------------------------------------------------------- main

export async function main(argv) {
  const args = parseArgs(argv, {
    entities: "1000000",
    repeat: "5",
    parts: "load,read,http",
    variants: "fcompile,fcompile_ttl,redis_benchmark,ioredis,hash",
    single: "10000",
    batches: "3000",
    block: "100",
    batch: "100",
    warmup: "1000",
    connections: "32",
    duration: "10",
    url: process.env.FCBENCH_REDIS_URL ?? "redis://127.0.0.1:6379/0",
  });
  const entities = Number(args.entities);
  const repeat = Number(args.repeat);
  const parts = String(args.parts).split(",");
  const variants = String(args.variants).split(",");
  const url = String(args.url);
  process.env.FCBENCH_REDIS_URL = url;

  const projects = {};
  projects.plain = await ensureProject({ entities, ttl: undefined });
  if (parts.includes("load") && variants.includes("fcompile_ttl")) projects.ttl = await ensureProject({ entities, ttl: "30d" });
  const valueBytes = await packedValueBytes();
  const redis = connect(url);
  const ctx = { redis, args, projects, entities, valueBytes, url };
  const result = { date: new Date().toISOString(), machine: machine(), params: { entities, repeat, valueBytes, end: END }, args };
  console.log(
    `online: ${entities.toLocaleString("en")} entities × 10 features (8 float64 + 2 int64) in one view; packed value ${valueBytes} bytes; ` +
      `Redis ${(await redis.info("server")).match(/redis_version:(\S+)/)?.[1]} at ${url}`,
  );

  try {
    if (parts.includes("load")) {
      const runs = Object.fromEntries(variants.map((v) => [v, []]));
      for (let r = 0; r < repeat; r++) {
        const order = variants.map((_, i) => variants[(i + r) % variants.length]);
        const line = [];
        for (const v of order) {
          const m = await loadRound(v, ctx);
          runs[v].push(m);
          await deleteProjectKeys(redis, m.project); // each variant runs against an otherwise empty keyspace of ours
          line.push(`${v} ${Math.round(m.rate).toLocaleString("en")}/s ${m.bytesPerKey.toFixed(0)} B/key`);
        }
        console.log(`load round ${r + 1}/${repeat}: ${line.join(" · ")}`);
      }
      result.load = { runs };
    }

    if (parts.includes("read")) {
      // The read part needs fcompile's plain project loaded; load it once more if the load part left nothing.
      if ((await redis.hget(`fc:${projects.plain.project}:pointer`, "stats")) === null) {
        console.log("read: loading fcbench_online …");
        await loadRound("fcompile", ctx);
      }
      const job = writeJob(projects.plain.dir, "read", {
        url,
        project: projects.plain.project,
        service: "bench_model",
        view: "stats",
        entities,
        batch: Number(args.batch),
        single: Number(args.single),
        batches: Number(args.batches),
        block: Number(args.block),
        warmup: Number(args.warmup),
        rounds: repeat,
        timeoutMs: 1000,
      });
      result.read = await runChild(READ_CHILD, [job], { quiet: false });
    }

    if (parts.includes("http")) {
      const { runHttp } = await import("./lib/online-http.mjs");
      if ((await redis.hget(`fc:${projects.plain.project}:pointer`, "stats")) === null) await loadRound("fcompile", ctx);
      result.http = await runHttp({
        dir: projects.plain.dir,
        project: projects.plain.project,
        url,
        entities,
        connections: Number(args.connections),
        durationS: Number(args.duration),
        repeat,
      });
    }
  } finally {
    if (!args.keep)
      for (const p of ["fcbench_online", "fcbench_online_ttl", "fcbench_rb", "fcbench_ioredis", "fcbench_hash"])
        await deleteProjectKeys(redis, p);
    redis.disconnect();
  }

  report(result, variants);
  mkdirSync(path.join(DATA_DIR, "results"), { recursive: true });
  const out = path.join(DATA_DIR, "results", `online-e${entities}-${Date.now()}.json`);
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`\nraw results: ${path.relative(REPO_DIR, out)}`);
}

function report(result, variants) {
  const { entities, repeat, valueBytes } = result.params;
  console.log(`\n## online — ${today()} — ${entities.toLocaleString("en")} entities, median of ${repeat} rounds\n`);
  console.log(`machine: ${machineLine(result.machine)}\n`);
  const fmtRate = (x) => `${Math.round(x).toLocaleString("en")}/s`;
  if (result.load) {
    const { runs } = result.load;
    const med = (v, k) => median(runs[v].map((m) => m[k]));
    const rb = runs.redis_benchmark ? med("redis_benchmark", "rate") : undefined;
    console.log(`### load (value ${valueBytes} bytes)\n`);
    console.log(
      table(
        [
          "variant",
          "what",
          "median rate",
          "min … max",
          "÷ redis-benchmark",
          "median wall",
          "median CPU",
          "used_memory / key",
          "MEMORY USAGE / key",
        ],
        variants.map((v) => {
          const rates = runs[v].map((m) => m.rate);
          const cpu = runs[v][0].cpuMs === undefined ? "–" : fmtMs(med(v, "cpuMs"));
          return [
            v,
            DESCRIPTIONS[v],
            fmtRate(med(v, "rate")),
            `${fmtRate(Math.min(...rates))} … ${fmtRate(Math.max(...rates))}`,
            rb ? `${((100 * med(v, "rate")) / rb).toFixed(0)}%` : "–",
            fmtMs(med(v, "ms")),
            cpu,
            `${med(v, "bytesPerKey").toFixed(1)} B`,
            `${med(v, "usage").toFixed(1)} B`,
          ];
        }),
      ),
    );
    if (rb && runs.fcompile) {
      const paired = median(runs.fcompile.map((m, i) => m.rate / runs.redis_benchmark[i].rate));
      console.log(
        `\nfcompile ÷ redis-benchmark: ${((100 * med("fcompile", "rate")) / rb).toFixed(0)}% (paired per round ${(100 * paired).toFixed(0)}%) — target ≥ 40%`,
      );
    }
    if (runs.fcompile && runs.hash)
      console.log(
        `memory per entity (used_memory delta): fcompile ${med("fcompile", "bytesPerKey").toFixed(1)} B vs hash ${med("hash", "bytesPerKey").toFixed(1)} B ` +
          `(${(med("fcompile", "bytesPerKey") / med("hash", "bytesPerKey")).toFixed(2)}×); MEMORY USAGE ${med("fcompile", "usage").toFixed(1)} B vs ` +
          `${med("hash", "usage").toFixed(1)} B`,
      );
    if (runs.redis_benchmark) console.log(`redis-benchmark command: ${runs.redis_benchmark[0].command}`);
  }
  if (result.read) {
    const { rounds, pooled, batch, check } = result.read;
    const names = Object.keys(pooled);
    const med = (v, k) => median(rounds.map((r) => r[v][k]));
    console.log(`\n### read (sequential; ${check.values} values checked against the raw bytes)\n`);
    console.log(
      table(
        ["variant", "requests / round", "median p50", "median p90", "median p99", "pooled p99", "pooled p99.9"],
        names.map((v) => [
          v,
          rounds[0][v].n,
          `${med(v, "p50Us").toFixed(0)} µs`,
          `${med(v, "p90Us").toFixed(0)} µs`,
          `${med(v, "p99Us").toFixed(0)} µs`,
          `${pooled[v].p99Us.toFixed(0)} µs`,
          `${pooled[v].p999Us.toFixed(0)} µs`,
        ]),
      ),
    );
    for (const [c, r] of [
      ["client-1", "raw-1"],
      [`client-${batch}`, `raw-${batch}`],
      ["columns-1", "raw-1c"],
      [`columns-${batch}`, `raw-${batch}c`],
    ]) {
      const paired = median(rounds.map((x) => x[c].p99Us / x[r].p99Us));
      console.log(
        `${c} ÷ ${r}: p50 ${(med(c, "p50Us") / med(r, "p50Us")).toFixed(2)}×, p99 ${(med(c, "p99Us") / med(r, "p99Us")).toFixed(2)}× ` +
          `(paired per round ${paired.toFixed(2)}×) — target p99 ≤ 1.3×`,
      );
    }
  }
  if (result.http) {
    console.log(`\n### http (${result.http.connections} connections, ${result.http.durationS} s per run)\n`);
    console.log(result.http.summary);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
