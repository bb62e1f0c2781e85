// online-agg: aggregation views online — read latency (vs raw GET/MGET), memory per entity and load rate (vs a plain view)
//
//   node bench/run.mjs online-agg [--entities 100000] [--densities 10,200] [--repeat 3] [--parts load,read]
//                                 [--variants agg,hop,plain,redis_benchmark] [--hop 1d] [--single 5000] [--batches 1000]
//                                 [--batch 100] [--block 100] [--warmup 500] [--url redis://127.0.0.1:6379/0]
//                                 [--profile] [--keep]
//
// Data, per density D (mean events per entity in the 30 days before the end time): a DuckDB table
// bench.events (customer_id, ts, amount DOUBLE) of N entities with D/2 … 3D/2 events each (mean
// D), at random microseconds of [END − 30d, END), generated with SQL into
// bench/.data/online-agg-e<N>-d<D>/warehouse.duckdb. Two projects read it (reused while the
// parameters match):
//   fcbench_oagg_d<D>        view `orders`: 9 aggregations — count, sum(amount), avg(amount) × 1d, 7d, 30d
//   fcbench_oagg_d<D>_plain  view `orders`: the same 9 features as a plain view, one row per entity,
//                            computed by SQL at END (bench.plain): what a batch job would load instead
//   fcbench_oagg_d<D>_hop    view `orders`: the 9 aggregations with `hop: <--hop>` (docs/aggregations.md,
//                            "Hop"): per-hop tiles instead of events; END is midnight, so at AT its
//                            values equal the exact ones (checked against the plain view too)
// Keys written: fc:fcbench_oagg_*; all deleted at the end unless --keep.
//
// load — each variant in a fresh process (bench/lib/online-child.mjs), order rotating per round;
// before each, the variant's keys are deleted and `INFO memory` read, after it read again:
//   agg              api.load() of the aggregation project: events read from DuckDB, packed per entity, SET
//   hop              api.load() of the hop project: the same events, packed into per-hop tiles per entity, SET
//   plain            api.load() of the plain project: one value of the 9 numbers per entity (83 bytes without NULLs)
//   redis_benchmark  redis-benchmark SET -c 50 -P 100 of values of the aggregation's mean size (ceiling)
// read — bench/lib/online-agg-read-child.mjs: the client (rows and columns) on each project
// against raw ioredis GET / MGET of the same keys, at read time END; the client's aggregates are
// first checked against the plain view's values.
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
const AT = "2026-01-01T00:00:00Z";
const WINDOWS = [
  ["1d", 1],
  ["7d", 7],
  ["30d", 30],
];
/** The 9 features, in view order: [name, function, type, window, days]. */
const FEATURES = WINDOWS.flatMap(([w, days]) => [
  [`count_${w}`, "count", "int64", w, days],
  [`amount_sum_${w}`, "sum", "float64", w, days],
  [`amount_avg_${w}`, "avg", "float64", w, days],
]);
const DUCK_CHILD = path.join(REPO_DIR, "bench/lib/duck-child.mjs");
const CHILD = path.join(REPO_DIR, "bench/lib/online-child.mjs");
const READ_CHILD = path.join(REPO_DIR, "bench/lib/online-agg-read-child.mjs");
const DESCRIPTIONS = {
  agg: "fcompile load of the aggregation view (events packed per entity)",
  hop: "fcompile load of the aggregation view with hop (tiles per entity)",
  plain: "fcompile load of the plain view (one row per entity)",
  redis_benchmark: "redis-benchmark SET of the aggregation's mean value size, -c 50 -P 100 (ceiling)",
};

// ---------------------------------------------------------------- dataset

const projectName = (density, kind) => `fcbench_oagg_d${density}${kind === "agg" ? "" : `_${kind}`}`;
/** Kinds of project: events, tiles, a plain view. */
const KINDS = ["agg", "hop", "plain"];

function projectFiles(project, kind, hop) {
  const config = [
    `name: ${project}`,
    "target: local",
    "targets:",
    "  local:",
    "    type: duckdb",
    "    path: ../warehouse.duckdb",
    "online:",
    "  type: redis",
    "  url: ${FCBENCH_REDIS_URL:-redis://127.0.0.1:6379/0}",
    "",
  ].join("\n");
  const view =
    kind !== "plain"
      ? [
          "  - name: orders",
          "    entities: [customer]",
          "    source: events",
          ...(kind === "hop" ? [`    hop: ${hop}`] : []),
          "    aggregations:",
          ...FEATURES.map(([name, fn, type, w]) =>
            fn === "count"
              ? `      - {name: ${name}, function: count, window: ${w}}`
              : `      - {name: ${name}, function: ${fn}, column: amount, window: ${w}${fn === "sum" ? `, type: ${type}` : ""}}`,
          ),
        ]
      : [
          "  - name: orders",
          "    entities: [customer]",
          "    source: plain",
          "    features:",
          ...FEATURES.map(([name, , type]) => `      - {name: ${name}, type: ${type}}`),
        ];
  const yaml = [
    "entities:",
    "  - name: customer",
    "    join_keys: [customer_id]",
    "sources:",
    kind !== "plain" ? "  - name: events" : "  - name: plain",
    kind !== "plain" ? "    table: bench.events" : "    table: bench.plain",
    "    timestamp: ts",
    "feature_views:",
    ...view,
    "feature_services:",
    "  - name: bench_model",
    '    features: ["orders:*"]',
    "",
  ].join("\n");
  return { "fcompile.yaml": config, "definitions/bench.yml": yaml };
}

/**
 * bench.events: D/2 … 3D/2 events per entity (mean D) at random microseconds of [END − 30d, END),
 * amounts 0 … 1000 in cents, stored in random order (neither by entity nor by time, so the load's
 * sort and the order of each entity's events are not favoured); bench.plain: the 9 aggregates of
 * each entity at END, by SQL.
 */
function generateSql(n, density) {
  const u = (x, s) => `u(${x}, ${s})`;
  const filter = (days) => `FILTER (WHERE ts >= TIMESTAMP '${END}' - INTERVAL ${days} DAY)`;
  return [
    "CREATE SCHEMA IF NOT EXISTS bench",
    "CREATE OR REPLACE TEMP MACRO u(i, s) AS CAST(hash(i * 1000 + s) >> 11 AS DOUBLE) / 9007199254740992.0",
    `CREATE OR REPLACE TABLE bench.events AS
     SELECT i + 1 AS customer_id,
       TIMESTAMP '${END}' - to_microseconds(CAST(floor(${u("i * 4096 + j", 1)} * ${30 * 86400e6}) AS BIGINT) + 1) AS ts,
       round(${u("i * 4096 + j", 2)} * 1000, 2) AS amount
     FROM range(${n}) r(i), range(${Math.floor(1.5 * density) + 1}) e(j)
     WHERE j < ${Math.floor(density / 2)} + floor(${u("i", 3)} * ${density + 1})
     ORDER BY ${u("i * 4096 + j", 4)}`,
    `CREATE OR REPLACE TABLE bench.plain AS
     SELECT customer_id, max(ts) AS ts,
       ${WINDOWS.map(
         ([w, days]) =>
           `count(*) ${filter(days)} AS count_${w}, sum(amount) ${filter(days)} AS amount_sum_${w}, avg(amount) ${filter(days)} AS amount_avg_${w}`,
       ).join(",\n       ")}
     FROM bench.events GROUP BY customer_id ORDER BY customer_id`,
    "CHECKPOINT",
  ];
}

/** Creates (or reuses, when the parameters match) the density's warehouse and both projects, materialized at END. */
async function ensureDataset({ entities, density, hop }) {
  const dir = path.join(DATA_DIR, `online-agg-e${entities}-d${density}`);
  const projects = Object.fromEntries(KINDS.map((kind) => [kind, projectName(density, kind)]));
  const files = Object.fromEntries(Object.entries(projects).map(([kind, p]) => [kind, projectFiles(p, kind, hop)]));
  const params = { generator: GENERATOR_VERSION, duckdb: duckdbVersion(), entities, density, end: END, files };
  const db = path.join(dir, "warehouse.duckdb");
  const metaFile = path.join(dir, "params.json");
  for (const [kind, fs] of Object.entries(files))
    for (const [rel, text] of Object.entries(fs)) {
      mkdirSync(path.dirname(path.join(dir, kind, rel)), { recursive: true });
      writeFileSync(path.join(dir, kind, rel), text);
    }
  const info = { dir, entities, density, projects, dirs: Object.fromEntries(KINDS.map((kind) => [kind, path.join(dir, kind)])) };
  if (existsSync(db) && existsSync(metaFile) && readFileSync(metaFile, "utf8") === JSON.stringify(params)) {
    info.events = JSON.parse(readFileSync(metaFile.replace("params", "counts"), "utf8")).events;
    console.log(`dataset: reusing ${path.relative(REPO_DIR, dir)} (${info.events.toLocaleString("en")} events)`);
    return info;
  }
  for (const f of [db, `${db}.wal`, metaFile]) rmSync(f, { force: true });
  console.log(`dataset: generating ${path.relative(REPO_DIR, dir)} …`);
  const gen = await runChild(DUCK_CHILD, [
    writeJob(dir, "generate", {
      db,
      timed: generateSql(entities, density).join(";\n"),
      after: [{ name: "counts", sql: "SELECT count(*) AS events, count(DISTINCT customer_id) AS entities FROM bench.events" }],
    }),
  ]);
  const { events, entities: withEvents } = gen.results.counts[0];
  if (withEvents !== entities) throw new Error(`generated events for ${withEvents} entities, expected ${entities}`);
  info.events = events;
  for (const kind of KINDS) await materializeProject(info, kind);
  console.log(`dataset: ${events.toLocaleString("en")} events generated in ${fmtMs(gen.ms)}, the projects materialized`);
  writeFileSync(metaFile.replace("params", "counts"), JSON.stringify({ events }));
  writeFileSync(metaFile, JSON.stringify(params));
  return info;
}

async function materializeProject(d, kind) {
  const r = await runChild(CHILD, [writeJob(d.dir, `materialize-${kind}`, { mode: "materialize", dir: d.dirs[kind], end: END })]);
  const want = kind !== "plain" ? d.events : d.entities;
  if (r.rows !== want) throw new Error(`${d.projects[kind]}: materialized ${r.rows} rows, expected ${want}`);
}

function writeJob(dir, name, job) {
  const file = path.join(dir, `job-${name}.json`);
  writeFileSync(file, JSON.stringify(job));
  return file;
}

/** `node [--cpu-prof] script job`; resolves with the JSON of the last stdout line. */
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

async function keySizes(redis, pattern, n = 2000) {
  const keys = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 5000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0" && keys.length < n);
  const pipe = redis.pipeline();
  for (const k of keys.slice(0, n)) pipe.strlen(k);
  const sizes = (await pipe.exec()).map(([err, v]) => (err ? NaN : Number(v)));
  return sizes.reduce((a, b) => a + b, 0) / sizes.length;
}

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

/** Loads one variant into an otherwise empty keyspace of ours; returns rate, memory and sizes. */
async function loadRound(v, d, ctx) {
  const { redis, args, url } = ctx;
  const project = v === "redis_benchmark" ? "fcbench_oagg_rb" : d.projects[v];
  await deleteProjectKeys(redis, project);
  await settle(redis);
  const before = (await memoryInfo(redis)).used_memory;
  let m;
  if (v === "redis_benchmark") {
    const { host, port } = hostPort(url);
    const valueBytes = Math.round(ctx.aggValueBytes.get(d.density) ?? 19 * d.density);
    const r = await redisBenchmarkSet({ host, port, n: d.entities, keyspace: d.entities, valueBytes, project });
    m = { ms: (d.entities / r.rps) * 1000, rows: d.entities, command: r.command, valueBytes };
  } else {
    const job = writeJob(d.dir, `load-${v}`, { mode: "load", dir: d.dirs[v] });
    const profileDir = args.profile ? path.join(DATA_DIR, "online-agg-prof") : undefined;
    try {
      m = await runNode(CHILD, job, { profileDir });
    } catch (err) {
      if (!/changed since it was materialized/.test(String(err))) throw err;
      console.log(`${project}: the view changed since it was materialized; materializing again`);
      await materializeProject(d, v);
      m = await runNode(CHILD, job, { profileDir });
    }
  }
  await settle(redis);
  const after = (await memoryInfo(redis)).used_memory;
  const pattern = `fc:${project}:v*`;
  // redis-benchmark draws random keys, so fewer distinct keys than requests exist.
  const keys = v === "redis_benchmark" ? await countKeys(redis, pattern) : d.entities;
  const strlen = await keySizes(redis, pattern);
  if (v === "agg") ctx.aggValueBytes.set(d.density, strlen);
  return {
    ...m,
    entityRate: (d.entities / m.ms) * 1000,
    eventRate: v === "agg" || v === "hop" ? (m.rows / m.ms) * 1000 : undefined,
    // Bytes of values written per second (redis-benchmark writes one value per request, on fewer keys).
    bytesRate: ((v === "redis_benchmark" ? d.entities : keys) * strlen) / (m.ms / 1000),
    memoryBytes: after - before,
    keys,
    bytesPerKey: (after - before) / keys,
    usage: await sampledKeyBytes(redis, pattern),
    strlen,
    project,
  };
}

// ---------------------------------------------------------------- main

export async function main(argv) {
  const args = parseArgs(argv, {
    entities: "100000",
    densities: "10,200",
    repeat: "3",
    parts: "load,read",
    variants: "agg,hop,plain,redis_benchmark",
    hop: "1d",
    single: "5000",
    batches: "1000",
    batch: "100",
    block: "100",
    warmup: "500",
    url: process.env.FCBENCH_REDIS_URL ?? "redis://127.0.0.1:6379/0",
  });
  const entities = Number(args.entities);
  const densities = String(args.densities).split(",").map(Number);
  const repeat = Number(args.repeat);
  const parts = String(args.parts).split(",");
  const variants = String(args.variants).split(",");
  const url = String(args.url);
  process.env.FCBENCH_REDIS_URL = url;

  const datasets = [];
  for (const density of densities) datasets.push(await ensureDataset({ entities, density, hop: String(args.hop) }));
  const redis = connect(url);
  const ctx = { redis, args, url, aggValueBytes: new Map() };
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    params: { entities, densities, repeat, end: END, at: AT, hop: String(args.hop), features: FEATURES.map((f) => f[0]) },
    datasets: datasets.map((d) => ({ density: d.density, events: d.events })),
    args,
    load: {},
    read: {},
  };
  const redisVersion = (await redis.info("server")).match(/redis_version:(\S+)/)?.[1];
  result.redis = redisVersion;
  console.log(
    `online-agg: ${entities.toLocaleString("en")} entities; view of 9 aggregations (count/sum/avg × 1d/7d/30d); ` +
      `densities ${densities.join(", ")} events / entity / 30d; Redis ${redisVersion} at ${url}`,
  );
  const allProjects = ["fcbench_oagg_rb", ...datasets.flatMap((d) => Object.values(d.projects))];

  try {
    for (const d of datasets) {
      if (parts.includes("load")) {
        // redis_benchmark needs the aggregation's value size: measured by the agg variant first.
        const vs = variants.includes("redis_benchmark") && !variants.includes("agg") ? ["agg", ...variants] : variants;
        const runs = Object.fromEntries(vs.map((v) => [v, []]));
        for (let r = 0; r < repeat; r++) {
          const order = vs.map((_, i) => vs[(i + r) % vs.length]);
          if (r === 0 && order.includes("redis_benchmark")) order.unshift(...order.splice(order.indexOf("agg"), 1));
          const line = [];
          for (const v of order) {
            const m = await loadRound(v, d, ctx);
            runs[v].push(m);
            await deleteProjectKeys(redis, m.project);
            line.push(
              `${v} ${Math.round(m.entityRate).toLocaleString("en")} entities/s` +
                (m.eventRate ? ` ${Math.round(m.eventRate).toLocaleString("en")} events/s` : "") +
                ` ${m.bytesPerKey.toFixed(0)} B/key (STRLEN ${m.strlen.toFixed(0)})`,
            );
          }
          console.log(`d${d.density} load round ${r + 1}/${repeat}: ${line.join(" · ")}`);
        }
        result.load[d.density] = { runs, variants: vs };
      }
      if (parts.includes("read")) {
        for (const kind of KINDS)
          if ((await redis.hget(`fc:${d.projects[kind]}:pointer`, "orders")) === null) {
            console.log(`read: loading ${d.projects[kind]} …`);
            await loadRound(kind, d, ctx);
          }
        const job = writeJob(d.dir, "read", {
          url,
          at: AT,
          agg: d.projects.agg,
          hop: d.projects.hop,
          plain: d.projects.plain,
          service: "bench_model",
          view: "orders",
          entities,
          batch: Number(args.batch),
          single: Number(args.single),
          batches: Number(args.batches),
          block: Number(args.block),
          warmup: Number(args.warmup),
          rounds: repeat,
          timeoutMs: 5000,
        });
        console.log(`d${d.density} read …`);
        result.read[d.density] = await runChild(READ_CHILD, [job], { quiet: false });
        // Free the memory before the next density.
        if (!args.keep) for (const kind of KINDS) await deleteProjectKeys(redis, d.projects[kind]);
      }
    }
  } finally {
    if (!args.keep) for (const p of allProjects) await deleteProjectKeys(redis, p);
    redis.disconnect();
  }

  report(result);
  mkdirSync(path.join(DATA_DIR, "results"), { recursive: true });
  const out = path.join(DATA_DIR, "results", `online-agg-e${entities}-${Date.now()}.json`);
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`\nraw results: ${path.relative(REPO_DIR, out)}`);
}

function report(result) {
  const { entities, repeat } = result.params;
  console.log(`\n## online-agg — ${today()} — ${entities.toLocaleString("en")} entities, median of ${repeat} rounds\n`);
  console.log(`machine: ${machineLine(result.machine)}; Redis ${result.redis}\n`);
  const fmtRate = (x) => (x === undefined ? "–" : `${Math.round(x).toLocaleString("en")}/s`);
  const densityEvents = Object.fromEntries(result.datasets.map((d) => [d.density, d.events]));
  for (const [density, { runs, variants }] of Object.entries(result.load)) {
    const med = (v, k) => median(runs[v].map((m) => m[k]));
    console.log(
      `### load, ${density} events / entity (${densityEvents[density].toLocaleString("en")} events, ${(densityEvents[density] / entities).toFixed(1)} per entity)\n`,
    );
    console.log(
      table(
        [
          "variant",
          "what",
          "entities/s",
          "events/s",
          "MB/s of values",
          "wall",
          "CPU",
          "used_memory / entity",
          "MEMORY USAGE / key",
          "STRLEN",
        ],
        variants.map((v) => [
          v,
          DESCRIPTIONS[v],
          fmtRate(med(v, "entityRate")),
          runs[v][0].eventRate === undefined ? "–" : fmtRate(med(v, "eventRate")),
          (med(v, "bytesRate") / 1e6).toFixed(1),
          fmtMs(med(v, "ms")),
          runs[v][0].cpuMs === undefined ? "–" : fmtMs(med(v, "cpuMs")),
          `${med(v, "bytesPerKey").toFixed(0)} B`,
          `${med(v, "usage").toFixed(0)} B`,
          `${med(v, "strlen").toFixed(0)} B`,
        ]),
      ),
    );
    if (runs.agg && runs.plain) {
      const paired = median(runs.agg.map((m, i) => m.entityRate / runs.plain[i].entityRate));
      console.log(
        `\nagg ÷ plain: entities/s ${(med("agg", "entityRate") / med("plain", "entityRate")).toFixed(2)}× (paired ${paired.toFixed(2)}×); ` +
          `memory per entity ${(med("agg", "bytesPerKey") / med("plain", "bytesPerKey")).toFixed(1)}×; ` +
          `STRLEN per event ${(med("agg", "strlen") / (densityEvents[density] / entities)).toFixed(1)} B`,
      );
    }
    if (runs.hop && runs.agg)
      console.log(
        `hop (${result.params.hop}) ÷ agg: memory per entity ${(med("hop", "bytesPerKey") / med("agg", "bytesPerKey")).toFixed(2)}× ` +
          `(used_memory ${med("hop", "bytesPerKey").toFixed(0)} B vs ${med("agg", "bytesPerKey").toFixed(0)} B; STRLEN ${med("hop", "strlen").toFixed(0)} B vs ${med("agg", "strlen").toFixed(0)} B); ` +
          `load events/s ${(med("hop", "eventRate") / med("agg", "eventRate")).toFixed(2)}×`,
      );
    if (runs.redis_benchmark && runs.agg)
      console.log(
        `agg ÷ redis-benchmark (same value size): ${((100 * med("agg", "entityRate")) / med("redis_benchmark", "entityRate")).toFixed(0)}%; ` +
          `${runs.redis_benchmark[0].command}\n`,
      );
  }
  for (const [density, read] of Object.entries(result.read)) {
    const { rounds, pooled, check } = read;
    const names = Object.keys(pooled);
    const med = (v, k) => median(rounds.map((r) => r[v][k]));
    console.log(
      `\n### read, ${density} events / entity (sequential; ${check.values} aggregates of ${check.entities} entities checked against the plain view)\n`,
    );
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
    console.log("");
    for (const [c, r] of read.pairs) {
      const paired = median(rounds.map((x) => x[c].p99Us / x[r].p99Us));
      const target = c.startsWith("agg") ? " — target p99 ≤ 1.5×" : "";
      console.log(
        `${c} ÷ ${r}: p50 ${(med(c, "p50Us") / med(r, "p50Us")).toFixed(2)}×, p99 ${(med(c, "p99Us") / med(r, "p99Us")).toFixed(2)}× ` +
          `(paired per round ${paired.toFixed(2)}×)${target}`,
      );
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
