// agg: windowed aggregations (research) — training-query shapes: range join, time-bucketed join, daily tiles, RANGE windows, prefix sums (10M events, 1M entity rows)
//
//   node bench/run.mjs agg [--scale 1] [--dense | --per-customer N] [--repeat 3] [--variants join,window,tiles,prefix_window]
//                          [--features base|int|minmax] [--explain v,…] [--edges] [--no-verify]
//   node bench/run.mjs agg --target pg …   PostgreSQL (schema fcbench_agg; see bench/lib/agg-pg.mjs)
//
// Data (DuckDB): events(customer_id, ts, amount DOUBLE 2% NULL, qty BIGINT 1% NULL), 10M × scale
// events at random seconds of 2024 over 100k × scale customers (sparse: 100 events per customer,
// ≈ 8 in a 30-day window) or, with --dense, 5k × scale customers (2,000 per customer, ≈ 160 in 30
// days); 1M × scale entity rows (2% name a customer without events) at random seconds from 15 days
// before the data to 15 days after it. Cached under bench/.data/agg-*/ keyed by the parameters.
//
// Feature sets (--features): base = count, sum(amount), avg(amount) × 1d, 7d, 30d (the issue's 9);
// int = count, sum(qty) × 1d, 7d, 30d (what prefix sums alone can do); minmax = base + min(amount)
// 30d and max(amount) 7d; distinct = base + count_distinct(qty) 30d.
//
// Variants (each timed as `CREATE OR REPLACE TEMP TABLE out AS <query>` in a fresh child process;
// SQL in bench/lib/agg-sql.mjs):
//   a              fcompile's compiled query (api.trainingSql), once the compiler has aggregation views
//   join           range join on key and [T - 30d, T) + GROUP BY entity row with FILTERs per window
//   bucket<B>      join with a B-day time bucket in the equality too (bucket30: B = the widest window)
//   window         events ∪ entity rows, RANGE BETWEEN w PRECEDING AND 1 microsecond PRECEDING per feature
//   tiles          daily tiles for the complete days of each window + raw events of the two edge days
//   prefix         running totals per key read by ASOF joins at T and T - w (count and int sums only)
//   prefix_window  prefix for counts (and avg's count), `window` only for the float sums, min, max, …
//   ref            one correlated subquery per feature (the contract read literally; --edges only)
//   <shape>@<set>  a shape over another feature set (e.g. join@distinct: the cost of count_distinct),
//                  timed against the run's baseline, not verified
// --edges: a small dataset on whole hours (events exactly at T and at T - w, equal ts, NULLs) on
// which every variant is checked against `ref` and `join` for every function and window kind.
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DIALECTS, bucketSql, featureSet, isFloat, joinSql, prefixSql, refSql, tilesSql, windowSql } from "./lib/agg-sql.mjs";
import {
  DATA_DIR,
  REPO_DIR,
  duckdbVersion,
  fmtMiB,
  fmtMs,
  machine,
  machineLine,
  median,
  parseArgs,
  runChild,
  table,
  today,
} from "./lib/common.mjs";

const CHILD = path.join(REPO_DIR, "bench/lib/duck-child.mjs");
const GENERATOR_VERSION = 1;
const YEAR_S = 365 * 86400;
const ENTITIES = `"bench"."entities"`;
const EVENTS = `"bench"."events"`;
const ENTITY_COLS = ["customer_id", "event_timestamp", "label"];

export const DESCRIPTIONS = {
  a: "fcompile trainingSql (shape chosen as train does)",
  bucket30: "join on key + 30-day time bucket (B = widest window)",
  join: "range join [T-30d, T) + GROUP BY with FILTER per window",
  window: "events ∪ entity rows, RANGE … PRECEDING frames",
  tiles: "daily tiles + raw events of the two edge days",
  prefix: "running totals per key + ASOF at T and T-w (counts, int sums)",
  prefix_window: "prefix (counts) + window (float sums, min, max)",
  ref: "correlated subquery per feature (the contract, literally)",
};

// ---------------------------------------------------------------- dataset

/** Parameters at a scale: sparse 100 events per customer, dense 2,000 (same event count). */
export function paramsFor(scale, perCustomer, edges = false) {
  if (edges) return { generator: GENERATOR_VERSION, duckdb: duckdbVersion(), edges: true };
  return {
    generator: GENERATOR_VERSION,
    duckdb: duckdbVersion(),
    scale,
    perCustomer,
    customers: Math.max(10, Math.round((10_000_000 / perCustomer) * scale)),
    events: Math.max(100, Math.round(10_000_000 * scale)),
    entityRows: Math.max(10, Math.round(1_000_000 * scale)),
  };
}

/**
 * Generation SQL: everything from range() and DuckDB's hash() (deterministic for a DuckDB
 * version); one hashed integer per pseudo-random column (i * 1000 + seed). Events are stored in
 * time order, as an append-only log would be. `grain` rounds every timestamp down to a multiple
 * of that many seconds (3600 for --edges: many events exactly at T and at T - w).
 */
function generateSql(p) {
  const edges = !!p.edges;
  const C = edges ? 300 : p.customers;
  const N = edges ? 60_000 : p.events;
  const R = edges ? 20_000 : p.entityRows;
  const span = edges ? 60 * 86400 : YEAR_S;
  const grain = edges ? 3600 : 1;
  const t = (expr) => `TIMESTAMP '2024-01-01' + to_seconds(CAST(floor((${expr}) / ${grain}) * ${grain} AS BIGINT))`;
  return [
    `CREATE SCHEMA IF NOT EXISTS bench`,
    `CREATE OR REPLACE TEMP MACRO u(i, s) AS CAST(hash(i * 1000 + s) >> 11 AS DOUBLE) / 9007199254740992.0`,
    `CREATE OR REPLACE TABLE ${EVENTS} AS
     SELECT CAST(floor(u(i, 1) * ${C}) AS BIGINT) + 1 AS customer_id,
       ${t(`u(i, 2) * ${span}`)} AS ts,
       CASE WHEN u(i, 3) < 0.02 THEN NULL ELSE u(i, 4) * 1000 END AS amount,
       CASE WHEN u(i, 5) < 0.01 THEN NULL ELSE CAST(floor(u(i, 6) * ${edges ? 5 : 100}) AS BIGINT) END AS qty
     FROM range(${N}) r(i)
     ORDER BY ts`,
    `CREATE OR REPLACE TABLE ${ENTITIES} AS
     SELECT CAST(floor(u(i, 31) * ${C} * 1.02) AS BIGINT) + 1 AS customer_id,
       ${t(`u(i, 32) * ${span + 30 * 86400}`)} - INTERVAL '15 days' AS event_timestamp,
       CAST(u(i, 33) < 0.1 AS INTEGER) AS label
     FROM range(${R}) r(i)`,
    `CHECKPOINT`,
  ];
}

/** The project of variant `a`: a table source and one aggregation view with the benchmark's features. */
export function projectYaml(features, table) {
  const dur = (f) => (f.days === null ? "lifetime" : `${f.days}d`);
  return [
    "entities:",
    "  - name: customer",
    "    join_keys: [customer_id]",
    "sources:",
    `  - {name: orders, table: ${table}, timestamp: ts}`,
    "feature_views:",
    "  - name: orders_agg",
    "    entities: [customer]",
    "    source: orders",
    "    aggregations:",
    ...features.map(
      (f) =>
        `      - {name: ${f.name}, function: ${f.fn}${f.column ? `, column: ${f.column}` : ""}, window: ${dur(f)}${
          f.fn === "sum" && f.column === "amount" ? ", type: float64" : ""
        }}`,
    ),
    "",
  ].join("\n");
}

function writeProject(dir, features) {
  const config = ["name: bench", "target: local", "targets:", "  local:", "    type: duckdb", "    path: warehouse.duckdb", ""].join("\n");
  mkdirSync(path.join(dir, "definitions"), { recursive: true });
  writeFileSync(path.join(dir, "fcompile.yaml"), config);
  writeFileSync(path.join(dir, "definitions/bench.yml"), projectYaml(features, "bench.events"));
}

async function ensureDataset(dir, params) {
  const db = path.join(dir, "warehouse.duckdb");
  const metaFile = path.join(dir, "params.json");
  mkdirSync(dir, { recursive: true });
  if (existsSync(db) && existsSync(metaFile) && readFileSync(metaFile, "utf8") === JSON.stringify(params)) {
    console.log(`dataset: reusing ${path.relative(REPO_DIR, db)}`);
    return db;
  }
  for (const f of [db, `${db}.wal`, metaFile]) rmSync(f, { force: true });
  console.log(`dataset: generating ${path.relative(REPO_DIR, db)} …`);
  const r = await runChild(CHILD, [
    writeJob(dir, "generate", {
      db,
      timed: generateSql(params).join(";\n"),
      after: [
        {
          name: "counts",
          sql: `SELECT (SELECT count(*) FROM ${EVENTS}) AS events, (SELECT count(DISTINCT customer_id) FROM ${EVENTS}) AS customers,
            (SELECT count(*) FROM ${ENTITIES}) AS entity_rows,
            (SELECT count(*) FROM (SELECT DISTINCT customer_id, ts FROM ${EVENTS})) AS distinct_key_ts`,
        },
      ],
    }),
  ]);
  console.log(`dataset: generated in ${fmtMs(r.ms)}: ${JSON.stringify(r.results.counts[0])}`);
  writeFileSync(metaFile, JSON.stringify(params));
  return db;
}

// ---------------------------------------------------------------- queries

/**
 * Variant `a`: fcompile's compiled query as `train` would run it on this warehouse (`measure`: the
 * catalog's index facts and the events' density choose the aggregation shape), or null (with the
 * reason) when it cannot be compiled. `index: "absent"` compiles as if the events had no index
 * (`a_noidx` on PostgreSQL, timed with the indexes hidden). `entityColumns`: the entity columns
 * the output keeps (PostgreSQL, which lists them; without them it keeps every column of its CTE).
 */
export async function compiledSql(projectDir, entities, target, index, entityColumns) {
  try {
    const api = await import(pathToFileURL(path.join(REPO_DIR, "dist/index.js")).href);
    return {
      sql: await api.trainingSql({
        projectDir,
        ...(target ? { target } : {}),
        features: ["orders_agg:*"],
        entities,
        measure: true,
        ...(index ? { index } : {}),
        ...(entityColumns ? { entityColumns } : {}),
      }),
    };
  } catch (e) {
    return { sql: null, reason: String(e?.message ?? e).split("\n")[0] };
  }
}

function querySql(variant, ctx) {
  const d = DIALECTS.duckdb;
  switch (variant) {
    case "join":
      return joinSql(d, ctx);
    case "window":
      return windowSql(d, ctx);
    case "tiles":
      return tilesSql(d, ctx);
    case "prefix":
      return prefixSql(d, ctx, null);
    case "prefix_window":
      return prefixSql(d, ctx, "window");
    case "ref":
      return refSql(d, ctx);
    default:
      if (/^bucket\d+$/.test(variant)) return bucketSql(d, ctx, Number(variant.slice(6)));
      throw new Error(`unknown variant ${variant}; known: ${Object.keys(DESCRIPTIONS).join(", ")}`);
  }
}

/** Every variant's SQL; `a` is dropped (with a note) when the compiler cannot compile the view yet. */
async function allSqls(variants, ctx, dir) {
  const sqls = {};
  const kept = [];
  for (const v of variants) {
    if (v === "a") {
      const r = await compiledSql(dir, ENTITIES);
      if (!r.sql) {
        console.log(`variant a: not available yet (api.trainingSql: ${r.reason})`);
        continue;
      }
      sqls.a = r.sql;
    } else {
      try {
        // `shape@set`: the shape over another feature set (timed against the run's baseline, not verified)
        const [shape, set] = v.split("@");
        sqls[v] = querySql(shape, set ? { ...ctx, features: featureSet(set) } : ctx);
      } catch (e) {
        console.log(`variant ${v}: skipped for this feature set (${e.message})`);
        continue;
      }
    }
    kept.push(v);
    writeFileSync(path.join(dir, `query-${v}.sql`), `${sqls[v]}\n`);
  }
  return { sqls, variants: kept };
}

// ---------------------------------------------------------------- measuring

/**
 * The shape the research recommends for DuckDB (BENCHMARKS.md, "agg — shapes for windowed
 * aggregations (research)"): `tiles` when the events per key in the widest window, estimated as
 * events × W / (distinct keys × time span), exceed TILES_FROM and every window is whole days;
 * otherwise `bucket` (B = the widest window). Measured crossover between 49 and 164 (≈ 75).
 */
export const TILES_FROM = 75;
export function pickShape({ events, keys, spanDays }, features) {
  const W = Math.max(...features.map((f) => f.days ?? 0));
  const perWindow = keys > 0 && spanDays > 0 ? (events * W) / (keys * spanDays) : 0;
  const wholeDays = features.every((f) => f.days === null || Number.isInteger(f.days));
  return { perWindow, perDay: W > 0 ? perWindow / W : 0, pick: perWindow >= TILES_FROM && wholeDays ? "tiles" : `bucket${W}` };
}

/** The train-time statistic: count, distinct keys (exact: approx_count_distinct was 23% off at 1,000 keys) and time span of the events, timed in a fresh process. */
async function densityStatistic(dir, db, features) {
  const r = await runChild(CHILD, [
    writeJob(dir, "density", {
      db,
      readOnly: true,
      timed: `CREATE TEMP TABLE stat AS SELECT count(*) AS events, count(DISTINCT customer_id) AS keys,
        (epoch_us(max(ts)) - epoch_us(min(ts))) / 86400e6 AS span_days FROM ${EVENTS}`,
      after: [{ name: "stat", sql: "SELECT * FROM stat" }],
    }),
  ]);
  const x = r.results.stat[0];
  const st = { events: x.events, keys: x.keys, spanDays: x.span_days };
  return { ms: r.ms, cpuMs: r.cpuMs, ...st, ...pickShape(st, features) };
}

function writeJob(dir, name, job) {
  const file = path.join(dir, "jobs", `${name}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(job));
  return file;
}

async function measure(dir, db, variant, sql) {
  const r = await runChild(CHILD, [
    writeJob(dir, `measure-${variant}`, {
      db,
      readOnly: true,
      timed: `CREATE OR REPLACE TEMP TABLE out AS\n${sql}`,
      after: [{ name: "rows", sql: "SELECT count(*) AS n FROM out" }],
    }),
  ]);
  return { ms: r.ms, cpuMs: r.cpuMs, maxRssKiB: r.maxRssKiB, openRssKiB: r.openRssKiB, rows: r.results.rows[0].n };
}

/**
 * Builds every variant's output in one process and compares each with the first, row by row in
 * stored order: the entity columns and the exact features (counts, integer sums, min/max of qty,
 * count_distinct) must be equal (IS NOT DISTINCT FROM), the float ones (sum/avg/min/max of
 * amount) equal within a relative 1e-9 (different summation orders round differently). Columns
 * are renamed by position, so `a`'s own feature names do not matter.
 */
async function verify(dir, db, variants, sqls, features) {
  const [first, ...rest] = variants;
  const names = [...ENTITY_COLS, ...features.map((f) => f.name)];
  const cols = names.map((n) => `"${n}"`).join(", ");
  const setup = variants.map(
    (v) => `CREATE TEMP TABLE out_${v} AS SELECT row_number() OVER () AS __pos, * FROM (SELECT * FROM (\n${sqls[v]}\n) AS x(${cols})) AS y`,
  );
  const differs = (f, a, b) =>
    isFloat(f)
      ? `((${a} IS NULL) <> (${b} IS NULL) OR abs(${a} - ${b}) > 1e-9 * greatest(abs(${a}), abs(${b})) + 1e-12)`
      : `${a} IS DISTINCT FROM ${b}`;
  const rel = (f) => `coalesce(abs(f."${f.name}" - o."${f.name}") / nullif(greatest(abs(f."${f.name}"), abs(o."${f.name}")), 0), 0)`;
  const floats = features.filter(isFloat);
  const relDiff = floats.length ? `max(greatest(${floats.map(rel).join(", ")}, 0))` : "0";
  const after = rest.map((v) => ({
    name: v,
    sql: `SELECT count(*) AS rows,
      count(*) FILTER (WHERE f.__pos IS NULL OR o.__pos IS NULL) AS unmatched_positions,
      count(*) FILTER (WHERE ${ENTITY_COLS.map((c) => `f."${c}" IS DISTINCT FROM o."${c}"`).join(" OR ")}) AS other_entity_columns,
      ${features.map((f) => `count(*) FILTER (WHERE ${differs(f, `f."${f.name}"`, `o."${f.name}"`)}) AS "${f.name}"`).join(",\n      ")},
      ${relDiff} AS max_rel_diff
    FROM out_${first} AS f FULL JOIN out_${v} AS o ON o.__pos = f.__pos`,
  }));
  after.push({
    name: "stats",
    sql: `SELECT count(*) AS entity_rows, ${features.map((f) => `count("${f.name}") FILTER (WHERE "${f.name}" <> 0) AS "${f.name}"`).join(", ")} FROM out_${first}`,
  });
  const r = await runChild(CHILD, [writeJob(dir, "verify", { db, readOnly: true, setup, after })]);
  const mismatches = rest.map((v) => {
    const x = r.results[v][0];
    const bad = features.filter((f) => x[f.name] > 0).map((f) => `${f.name}: ${x[f.name]}`);
    return {
      variant: v,
      rows: x.rows,
      unmatched: x.unmatched_positions,
      entityCols: x.other_entity_columns,
      bad,
      maxRelDiff: x.max_rel_diff,
      ok: x.unmatched_positions === 0 && x.other_entity_columns === 0 && bad.length === 0,
    };
  });
  return { mismatches, stats: r.results.stats[0] };
}

async function explain(dir, db, variant, sql) {
  const r = await runChild(CHILD, [
    writeJob(dir, `explain-${variant}`, {
      db,
      readOnly: true,
      after: [{ name: "plan", sql: `EXPLAIN ANALYZE CREATE OR REPLACE TEMP TABLE out AS\n${sql}` }],
    }),
  ]);
  const text = r.results.plan.map((row) => row.explain_value).join("\n");
  const file = path.join(dir, `explain-${variant}.txt`);
  writeFileSync(file, `${sql}\n\n${text}\n`);
  return { text, file };
}

function warmFile(file) {
  return new Promise((resolve, reject) => {
    const s = createReadStream(file, { highWaterMark: 1 << 22 });
    s.on("data", () => {});
    s.on("end", resolve);
    s.on("error", reject);
  });
}

export function printVerification(first, verified) {
  console.log(`\nrow-for-row check against ${first} (exact columns equal, float columns within 1e-9 relative):`);
  for (const x of verified.mismatches)
    console.log(
      `  ${x.variant}: ${x.ok ? "identical" : "DIFFERENT"} (rows ${x.rows}, unmatched positions ${x.unmatched}, other entity columns ${x.entityCols}` +
        `${x.bad.length ? `, features differing: ${x.bad.join(", ")}` : ""}; largest relative difference of a float feature ${Number(x.maxRelDiff).toExponential(2)})`,
    );
  console.log(`  non-zero, non-NULL values per feature in ${first}: ${JSON.stringify(verified.stats)}`);
}

// ---------------------------------------------------------------- main

export async function main(argv) {
  const args = parseArgs(argv, { scale: "1", repeat: "3", features: "base" });
  if (args.target === "pg" || args.target === "postgres") return (await import("./lib/agg-pg.mjs")).main(argv);
  if (args.target && args.target !== "duckdb") throw new Error(`unknown --target ${args.target}; known: duckdb, pg`);
  if (args.edges) return edgesCheck(args);
  const scale = Number(args.scale);
  const repeat = Number(args.repeat);
  // events per customer: sparse 100, --dense 2,000, or any --per-customer N (same event count)
  const perCustomer = Number(args.perCustomer ?? (args.dense ? 2000 : 100));
  const density = perCustomer === 100 ? "sparse" : perCustomer === 2000 ? "dense" : `${perCustomer} per customer`;
  const features = featureSet(String(args.features));
  const params = paramsFor(scale, perCustomer);
  const tag = `agg-s${scale}-${perCustomer === 100 ? "sparse" : perCustomer === 2000 ? "dense" : `p${perCustomer}`}`;
  const dir = path.join(DATA_DIR, tag);
  const db = await ensureDataset(dir, params);
  writeProject(dir, features);
  const ctx = { features, events: EVENTS, entities: ENTITIES, entityCols: ENTITY_COLS };
  const asked = String(args.variants ?? "a,join,window,tiles,prefix_window").split(",");
  const { sqls, variants } = await allSqls(asked, ctx, dir);
  console.log(
    `agg: ${params.events} events over ${params.customers} customers (${density}, ${params.events / params.customers} per customer), ` +
      `${params.entityRows} entity rows; ${features.length} features (${args.features}): ${features.map((f) => f.name).join(", ")}`,
  );
  console.log(`queries written to ${path.relative(REPO_DIR, dir)}/query-<variant>.sql`);

  if (args.explain) {
    for (const v of String(args.explain).split(",")) {
      const { text, file } = await explain(dir, db, v, sqls[v] ?? querySql(v, ctx));
      console.log(`\n== EXPLAIN ANALYZE ${v} — also in ${path.relative(REPO_DIR, file)}\n${text}`);
    }
    return;
  }

  await warmFile(db);
  const stat = await densityStatistic(dir, db, features);
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = 0; r < repeat; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]);
    const line = [];
    for (const v of order) {
      const m = await measure(dir, db, v, sqls[v]);
      runs[v].push(m);
      line.push(`${v} ${fmtMs(m.ms)} (CPU ${fmtMs(m.cpuMs)}, ${fmtMiB(m.maxRssKiB)})`);
    }
    console.log(`round ${r + 1}/${repeat}: ${line.join(" · ")}`);
  }
  const summary = summarize(variants, runs);

  let verified;
  if (!args.noVerify && variants.length > 1) {
    console.log("verifying: every variant against the first, row for row …");
    const same = variants.filter((v) => !v.includes("@"));
    if (same.length > 1) verified = await verify(dir, db, same, sqls, features);
  }
  const m = machine();
  console.log(
    `\n## agg — ${today()} — scale ${scale}, ${density}, features ${args.features}, median of ${repeat} fresh-process runs each\n`,
  );
  console.log(`machine: ${machineLine(m)}; load average at the end ${loadLine()}\n`);
  printSummary(summary, runs, variants[0]);
  if (verified) printVerification(variants[0], verified);
  console.log(
    `\ndensity statistic (${fmtMs(stat.ms)}, CPU ${fmtMs(stat.cpuMs)}): ${stat.events} events, ${stat.keys} keys, ` +
      `${stat.spanDays.toFixed(0)} days → ≈ ${stat.perWindow.toFixed(1)} events per key in the widest window ` +
      `(${stat.perDay.toFixed(2)} per key and day): the rule picks ${stat.pick}`,
  );
  const result = { date: new Date().toISOString(), machine: m, params, features, repeat, summary, runs, verified, density: stat };
  mkdirSync(path.join(DATA_DIR, "results"), { recursive: true });
  const out = path.join(DATA_DIR, "results", `${tag}-${args.features}-${Date.now()}.json`);
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`\nraw results: ${path.relative(REPO_DIR, out)}`);
}

export const loadLine = () => {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
};

export function summarize(variants, runs) {
  return variants.map((v) => ({
    variant: v,
    medianMs: median(runs[v].map((m) => m.ms)),
    minMs: Math.min(...runs[v].map((m) => m.ms)),
    maxMs: Math.max(...runs[v].map((m) => m.ms)),
    medianCpuMs: runs[v].every((m) => m.cpuMs != null) ? median(runs[v].map((m) => m.cpuMs)) : null,
    medianRssKiB: runs[v][0].maxRssKiB != null ? median(runs[v].map((m) => m.maxRssKiB)) : null,
    rows: runs[v][0].rows,
  }));
}

/** The table and the paired ratios of every variant to the first (the baseline of the run). */
export function printSummary(summary, runs, base, descriptions = DESCRIPTIONS) {
  const byName = Object.fromEntries(summary.map((s) => [s.variant, s]));
  const ratio = (x, y) => {
    const paired = median(runs[x].map((mm, i) => mm.ms / runs[y][i].ms));
    const cpu = byName[x].medianCpuMs && byName[y].medianCpuMs ? byName[x].medianCpuMs / byName[y].medianCpuMs : NaN;
    return `${(byName[x].medianMs / byName[y].medianMs).toFixed(2)}× (paired ${paired.toFixed(2)}×, CPU ${cpu.toFixed(2)}×)`;
  };
  console.log(
    table(
      ["variant", "what", "median wall", "min … max", "median CPU", "peak RSS", "rows", `÷ ${base}: wall (paired, CPU)`],
      summary.map((s) => [
        s.variant,
        descriptions[s.variant] ??
          (s.variant.includes("@") ? `${s.variant.split("@")[0]} over feature set ${s.variant.split("@")[1]}` : ""),
        fmtMs(s.medianMs),
        `${fmtMs(s.minMs)} … ${fmtMs(s.maxMs)}`,
        s.medianCpuMs == null ? "n/a" : fmtMs(s.medianCpuMs),
        s.medianRssKiB == null ? "n/a" : fmtMiB(s.medianRssKiB),
        s.rows,
        s.variant === base ? "—" : ratio(s.variant, base),
      ]),
    ),
  );
}

/** --edges: every variant against `ref` (and `join`) on a small whole-hour dataset, per feature set. */
async function edgesCheck(args) {
  const dir = path.join(DATA_DIR, "agg-edges");
  const db = await ensureDataset(dir, paramsFor(0, 0, true));
  for (const set of String(args.features === "base" ? "edges,base,int,minmax,distinct" : args.features).split(",")) {
    const features = featureSet(set);
    writeProject(dir, features);
    const ctx = { features, events: EVENTS, entities: ENTITIES, entityCols: ENTITY_COLS };
    console.log(`\n== edges, feature set ${set}: ${features.map((f) => f.name).join(", ")}`);
    const { sqls, variants } = await allSqls(String(args.variants ?? "ref,join,window,tiles,prefix,prefix_window,a").split(","), ctx, dir);
    printVerification(variants[0], await verify(dir, db, variants, sqls, features));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
