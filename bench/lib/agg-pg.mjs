// agg --target pg: windowed aggregations on PostgreSQL — range join vs LATERAL index range scans vs RANGE windows vs daily tiles
//
//   npm run bench -- agg --target pg [--scale 1] [--dense | --per-customer N] [--repeat 3] [--warmup 1]
//                                    [--variants join,lateral,tiles,window] [--features base] [--explain v,…]
//                                    [--edges] [--no-verify] [--clean] [--url postgres://…]
//
// Data: generated in PostgreSQL (generate_series + hashint8extended) into the schema fcbench_agg,
// kept and reused while the parameters match (`--clean` drops it): events_p<N> (2M × scale events
// of 2024, N per customer: sparse 100, --dense 2,000) with the index the shapes read,
// (customer_id, ts) INCLUDE (amount, qty), and entities_p<N> (200k × scale rows, __fc_row_id = input
// position). Variants are timed as `CREATE TEMP TABLE out AS <query>`, all in one session, in turns,
// after a warm-up round; CPU is the backend's (user + system from /proc; parallel workers not counted).
//   a            fcompile's compiled query (api.trainingSql), once the compiler has aggregation views
//   join         range join on key and [T - 30d, T) + GROUP BY with FILTER per window (the planner's choice of join)
//   join_noidx   join with no index on the events (every index dropped in a transaction rolled back afterwards)
//   lateral      LEFT JOIN LATERAL (aggregates over the index range customer_id = k AND ts in [T - 30d, T)):
//                an index-only range scan per entity row
//   lateral_split one LATERAL per distinct window, each over its own index range, without FILTER
//   window       events ∪ entity rows, RANGE BETWEEN w PRECEDING AND 1 microsecond PRECEDING frames
//   tiles        daily tiles for the complete days of each window + raw events of the two edge days
//   tiles_noidx  tiles with no index on the events
//   ref          one correlated subquery per feature (--edges only)
//   <shape>@<set> a shape over another feature set (e.g. lateral@distinct), timed against the baseline, not verified
import { mkdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import {
  DESCRIPTIONS as DUCK_DESCRIPTIONS,
  compiledSql,
  loadLine,
  printSummary,
  printVerification,
  projectYaml,
  summarize,
} from "../agg.mjs";
import { DIALECTS, bucketSql, featureSet, isFloat, joinSql, refSql, tilesSql, windowSql } from "./agg-sql.mjs";
import { DATA_DIR, REPO_DIR, fmtMs, machine, machineLine, parseArgs, today } from "./common.mjs";

const SCHEMA = "fcbench_agg";
const GENERATOR_VERSION = 1;
const DEFAULT_URL = "postgres://root@127.0.0.1:5432/test";
const YEAR_S = 365 * 86400;
const q = (id) => `"${id.replace(/"/g, '""')}"`;
const rel = (t) => `${q(SCHEMA)}.${q(t)}`;
const ENTITY_COLS = ["customer_id", "event_timestamp", "label", "__fc_row_id"];

const DESCRIPTIONS = {
  ...DUCK_DESCRIPTIONS,
  join: "range join [T-30d, T) + GROUP BY with FILTER per window",
  join_noidx: "join, no index on the events",
  lateral: "LATERAL aggregates over an index range per entity row",
  lateral_split: "one LATERAL per window (own index range, no FILTER)",
  window: "events ∪ entity rows, RANGE … PRECEDING frames",
  tiles_noidx: "tiles, no index on the events",
  a_noidx: "fcompile trainingSql compiled and run as if the events had no index",
};
const NO_INDEX = new Set(["join_noidx", "tiles_noidx", "a_noidx"]);

// u(i, s): a uniform double in [0, 1) from hashint8extended (as bench/lib/pit-pg.mjs).
const U_FUNCTION = `CREATE OR REPLACE FUNCTION ${rel("u")}(i bigint, s int) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (hashint8extended(i * 1000 + s, 0) & 9007199254740991)::double precision / 9007199254740992.0 $$`;
const u = (i, s) => `${rel("u")}(${i}, ${s})`;

function paramsFor(scale, perCustomer, edges) {
  if (edges) return { generator: GENERATOR_VERSION, edges: true, customers: 300, events: 60_000, entityRows: 20_000 };
  return {
    generator: GENERATOR_VERSION,
    scale,
    perCustomer,
    customers: Math.max(10, Math.round((2_000_000 / perCustomer) * scale)),
    events: Math.max(100, Math.round(2_000_000 * scale)),
    entityRows: Math.max(10, Math.round(200_000 * scale)),
  };
}

/** Events in time order (an append-only log) and entity rows in neither key nor time order; --edges on whole hours. */
function generateSql(p, events, entities) {
  const grain = p.edges ? 3600 : 1;
  const span = p.edges ? 60 * 86400 : YEAR_S;
  const t = (expr) => `TIMESTAMP '2024-01-01' + make_interval(secs => floor((${expr}) / ${grain}) * ${grain})`;
  return [
    `DROP TABLE IF EXISTS ${rel(events)}`,
    `CREATE TABLE ${rel(events)} AS
     SELECT floor(${u("i", 1)} * ${p.customers})::bigint + 1 AS customer_id,
       ${t(`${u("i", 2)} * ${span}`)} AS ts,
       CASE WHEN ${u("i", 3)} < 0.02 THEN NULL ELSE ${u("i", 4)} * 1000 END AS amount,
       CASE WHEN ${u("i", 5)} < 0.01 THEN NULL ELSE floor(${u("i", 6)} * ${p.edges ? 5 : 100})::bigint END AS qty
     FROM generate_series(0::bigint, ${p.events - 1}) AS g(i)
     ORDER BY ts`,
    `CREATE INDEX ${q(`${events}_key_ts`)} ON ${rel(events)} (customer_id, ts) INCLUDE (amount, qty)`,
    `DROP TABLE IF EXISTS ${rel(entities)}`,
    `CREATE TABLE ${rel(entities)} AS
     SELECT floor(${u("i", 31)} * ${p.customers} * 1.02)::bigint + 1 AS customer_id,
       ${t(`${u("i", 32)} * ${span + 30 * 86400}`)} - INTERVAL '15 days' AS event_timestamp,
       (${u("i", 33)} < 0.1)::int AS label,
       i + 1 AS __fc_row_id
     FROM generate_series(0::bigint, ${p.entityRows - 1}) AS g(i)`,
  ];
}

async function ensureData(client, tag, params) {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${q(SCHEMA)}`);
  await client.query(U_FUNCTION);
  await client.query(`CREATE TABLE IF NOT EXISTS ${rel("bench_params")} (tbl text PRIMARY KEY, params text NOT NULL)`);
  const events = `events_${tag}`;
  const entities = `entities_${tag}`;
  const want = JSON.stringify(params);
  const have = await client.query(
    `SELECT params FROM ${rel("bench_params")} WHERE tbl = $1 AND to_regclass($2) IS NOT NULL AND to_regclass($3) IS NOT NULL`,
    [tag, `${SCHEMA}.${events}`, `${SCHEMA}.${entities}`],
  );
  if (have.rows[0]?.params === want) {
    console.log(`dataset: reusing ${SCHEMA}.${events}, ${SCHEMA}.${entities}`);
    return { events, entities };
  }
  const t0 = performance.now();
  await client.query("BEGIN");
  for (const sql of generateSql(params, events, entities)) await client.query(sql);
  await client.query(`INSERT INTO ${rel("bench_params")} VALUES ($1, $2) ON CONFLICT (tbl) DO UPDATE SET params = EXCLUDED.params`, [
    tag,
    want,
  ]);
  await client.query("COMMIT");
  for (const t of [events, entities]) await client.query(`VACUUM ANALYZE ${rel(t)}`);
  console.log(`dataset: generated ${SCHEMA}.${events} and ${entities} in ${fmtMs(performance.now() - t0)}`);
  return { events, entities };
}

function writeProject(dir, features, events, url) {
  mkdirSync(path.join(dir, "definitions"), { recursive: true });
  writeFileSync(
    path.join(dir, "fcompile.yaml"),
    ["name: bench", "target: pg", "targets:", "  pg:", "    type: postgres", `    url: "${url}"`, `    schema: ${SCHEMA}`, ""].join("\n"),
  );
  writeFileSync(path.join(dir, "definitions/bench.yml"), projectYaml(features, `${SCHEMA}.${events}`));
}

/**
 * `lateral`: per entity row, one LATERAL subquery of aggregates (with FILTER per window) over
 * customer_id = k AND ts >= T - 30d AND ts < T: an index-only range scan of (customer_id, ts)
 * INCLUDE (amount, qty). An aggregate without GROUP BY returns one row, so no LEFT JOIN is needed.
 */
function lateralSql(d, ctx) {
  const { features, events } = ctx;
  const W = features.some((f) => f.days === null) ? null : Math.max(...features.map((f) => f.days));
  const agg = (f) => {
    const cond = f.days === null || f.days === W ? "" : ` FILTER (WHERE s.ts >= e.__fc_ts - ${d.days(f.days)})`;
    const col = f.column ? `s.${q(f.column)}` : "*";
    const fn = f.fn === "count_distinct" ? `count(DISTINCT ${col})` : `${f.fn}(${col})`;
    return `${fn}${cond}`;
  };
  const cast = (f, x) =>
    f.fn === "count" || f.fn === "count_distinct"
      ? `CAST(${x} AS BIGINT)`
      : f.fn === "sum" && f.column === "qty"
        ? `CAST(${x} AS NUMERIC)`
        : f.column === "qty"
          ? `CAST(${x} AS BIGINT)`
          : `CAST(${x} AS DOUBLE PRECISION)`;
  return `WITH ${d.entityRows(ctx.entities)}
SELECT
  ${d.entityOut("e", ctx.entityCols)},
  ${features.map((f, i) => `${cast(f, `a.f${i}`)} AS ${q(f.name)}`).join(",\n  ")}
FROM entity_rows AS e
CROSS JOIN LATERAL (
  SELECT ${features.map((f, i) => `${agg(f)} AS f${i}`).join(",\n    ")}
  FROM ${events} AS s
  WHERE s.customer_id = e.customer_id AND s.ts < e.__fc_ts${W === null ? "" : ` AND s.ts >= e.__fc_ts - ${d.days(W)}`}
) AS a
ORDER BY e.__fc_row_id`;
}

/**
 * `lateral_split`: one LATERAL per distinct window, each over its own index range and without
 * FILTER: a 1-day window reads only the rows of its day instead of filtering the 30-day range.
 */
function lateralSplitSql(d, ctx) {
  const { features } = ctx;
  const windows = [...new Set(features.map((f) => f.days))];
  const byWindow = windows.map((w) => features.filter((f) => f.days === w));
  const parts = byWindow.map((fs) => lateralSql(d, { ...ctx, features: fs }));
  // reuse lateralSql's subquery per window: take its CROSS JOIN LATERAL (…) block
  const block = (sql, i) =>
    sql
      .slice(sql.indexOf("CROSS JOIN LATERAL ("), sql.indexOf(") AS a\n") + 6)
      .replace(/\) AS a$/, `) AS a${i}`)
      .replace(/ AS f(\d+)/g, (_, n) => ` AS f${i}_${n}`);
  const head = lateralSql(d, ctx);
  const select = head.slice(0, head.indexOf("FROM entity_rows AS e"));
  let k = 0;
  const renamed = select.replace(/a\.f(\d+)/g, () => {
    const f = features[k++];
    const i = windows.indexOf(f.days);
    return `a${i}.f${i}_${byWindow[i].indexOf(f)}`;
  });
  return `${renamed}FROM entity_rows AS e\n${parts.map(block).join("\n")}\nORDER BY e.__fc_row_id`;
}

function querySql(variant, ctx) {
  const d = DIALECTS.pg;
  switch (variant) {
    case "lateral_split":
      return lateralSplitSql(d, ctx);
    case "join":
    case "join_noidx":
      return joinSql(d, ctx);
    case "lateral":
      return lateralSql(d, ctx);
    case "window":
      return windowSql(d, ctx);
    case "tiles":
    case "tiles_noidx":
      return tilesSql(d, ctx);
    case "ref":
      return refSql(d, ctx);
    default:
      if (/^bucket\d+$/.test(variant)) return bucketSql(d, ctx, Number(variant.slice(6)));
      throw new Error(`unknown variant ${variant}; known: ${Object.keys(DESCRIPTIONS).join(", ")}`);
  }
}

async function connect(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("SET TimeZone = 'UTC'");
  return client;
}

async function backendCpuMs(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** Runs fn; for NO_INDEX variants inside a transaction that drops the events' indexes and is rolled back afterwards. */
async function withVariant(client, variant, events, fn) {
  if (!NO_INDEX.has(variant)) return fn();
  await client.query("BEGIN");
  try {
    const r = await client.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2`, [SCHEMA, events]);
    for (const x of r.rows) await client.query(`DROP INDEX ${rel(x.indexname)}`);
    return await fn();
  } finally {
    await client.query("ROLLBACK");
  }
}

async function measure(client, pid, sql) {
  await client.query("DROP TABLE IF EXISTS pg_temp.out");
  const c0 = await backendCpuMs(pid);
  const t0 = performance.now();
  const r = await client.query(`CREATE TEMP TABLE out AS\n${sql}`);
  const ms = performance.now() - t0;
  const c1 = await backendCpuMs(pid);
  return { ms, cpuMs: c0 === null || c1 === null ? null : c1 - c0, rows: r.rowCount };
}

/** Each variant's output against the first's, row by row on __fc_row_id (floats within 1e-9 relative); stored order checked too. */
async function verify(client, variants, sqls, features, events) {
  const [first, ...rest] = variants;
  const cols = [...ENTITY_COLS, ...features.map((f) => f.name)].map(q).join(", ");
  // Each output is built and compared under its variant's setup: for NO_INDEX variants inside the
  // transaction that hides the indexes (a table built there would be rolled back with it).
  const build = (v) =>
    client.query(
      `CREATE TEMP TABLE out_${v} AS SELECT row_number() OVER () AS __pos, y.* FROM (SELECT * FROM (\n${sqls[v]}\n) AS x(${cols})) AS y`,
    );
  await client.query(`DROP TABLE IF EXISTS pg_temp.out_${first}`);
  await build(first);
  const differs = (f, a, b) =>
    isFloat(f)
      ? `((${a} IS NULL) <> (${b} IS NULL) OR abs(${a} - ${b}) > 1e-9 * greatest(abs(${a}), abs(${b})) + 1e-12)`
      : `${a} IS DISTINCT FROM ${b}`;
  const floats = features.filter(isFloat);
  const relE = (f) => `coalesce(abs(f.${q(f.name)} - o.${q(f.name)}) / nullif(greatest(abs(f.${q(f.name)}), abs(o.${q(f.name)})), 0), 0)`;
  const mismatches = [];
  for (const v of rest) {
    await client.query(`DROP TABLE IF EXISTS pg_temp.out_${v}`);
    const x = await withVariant(client, v, events, async () => {
      await build(v);
      return (
        await client.query(`SELECT count(*)::int AS rows,
        count(*) FILTER (WHERE f.__fc_row_id IS NULL OR o.__fc_row_id IS NULL)::int AS unmatched,
        count(*) FILTER (WHERE o.__pos <> o.__fc_row_id)::int AS out_of_order,
        count(*) FILTER (WHERE ${ENTITY_COLS.map((c) => `f.${q(c)} IS DISTINCT FROM o.${q(c)}`).join(" OR ")})::int AS other_entity_columns,
        ${features.map((f) => `count(*) FILTER (WHERE ${differs(f, `f.${q(f.name)}`, `o.${q(f.name)}`)})::int AS ${q(f.name)}`).join(",\n        ")},
        ${floats.length ? `max(greatest(${floats.map(relE).join(", ")}))` : "0"} AS max_rel_diff
      FROM out_${first} AS f FULL JOIN out_${v} AS o ON o.__fc_row_id = f.__fc_row_id`)
      ).rows[0];
    });
    const bad = features.filter((f) => x[f.name] > 0).map((f) => `${f.name}: ${x[f.name]}`);
    mismatches.push({
      variant: v,
      rows: x.rows,
      unmatched: x.unmatched + x.out_of_order,
      entityCols: x.other_entity_columns,
      bad,
      maxRelDiff: x.max_rel_diff,
      ok: x.unmatched === 0 && x.out_of_order === 0 && x.other_entity_columns === 0 && bad.length === 0,
    });
    await client.query(`DROP TABLE IF EXISTS pg_temp.out_${v}`);
  }
  const stats = (
    await client.query(
      `SELECT count(*)::int AS entity_rows, ${features.map((f) => `count(${q(f.name)}) FILTER (WHERE ${q(f.name)} <> 0)::int AS ${q(f.name)}`).join(", ")} FROM out_${first}`,
    )
  ).rows[0];
  await client.query(`DROP TABLE IF EXISTS pg_temp.out_${first}`);
  return { mismatches, stats };
}

async function serverInfo(client) {
  const r = await client.query(
    `SELECT current_setting('server_version') AS v, current_setting('work_mem') AS wm, current_setting('shared_buffers') AS sb, current_setting('max_parallel_workers_per_gather') AS par`,
  );
  const x = r.rows[0];
  return `PostgreSQL ${x.v}, work_mem ${x.wm}, shared_buffers ${x.sb}, max_parallel_workers_per_gather ${x.par}`;
}

async function allSqls(variants, ctx, dir) {
  const sqls = {};
  const kept = [];
  for (const v of variants) {
    if (v === "a" || v === "a_noidx") {
      const r = await compiledSql(dir, ctx.entities, "pg", v === "a_noidx" ? "absent" : undefined);
      if (!r.sql) {
        console.log(`variant a: not available yet (api.trainingSql: ${r.reason})`);
        continue;
      }
      // The compiled query keeps every column of its entity rows (their row id and its own
      // timestamp column too): the comparison reads the benchmark's columns, in its order.
      const cols = [...ENTITY_COLS, ...ctx.features.map((f) => f.name)].map(q).join(", ");
      sqls[v] = `SELECT ${cols} FROM (\n${r.sql.trimEnd()}\n) AS fc_a`;
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

export async function main(argv) {
  const args = parseArgs(argv, { scale: "1", repeat: "3", warmup: "1", features: "base" });
  const url = String(args.url ?? process.env.FCBENCH_PG_URL ?? DEFAULT_URL);
  const client = await connect(url);
  try {
    if (args.clean) {
      await client.query(`DROP SCHEMA IF EXISTS ${q(SCHEMA)} CASCADE`);
      console.log(`dropped schema ${SCHEMA}`);
      return;
    }
    const perCustomer = Number(args.perCustomer ?? (args.dense ? 2000 : 100));
    const params = paramsFor(Number(args.scale), perCustomer, !!args.edges);
    const tag = args.edges ? "edges" : `s${String(args.scale).replace(".", "_")}_p${perCustomer}`;
    const { events, entities } = await ensureData(client, tag, params);
    const dir = path.join(DATA_DIR, `agg-pg-${tag}`);
    const sets = args.edges
      ? args.features === "base"
        ? ["edges", "base", "int", "minmax", "distinct"]
        : String(args.features).split(",")
      : [String(args.features)];
    for (const set of sets) {
      const features = featureSet(set);
      writeProject(dir, features, events, url);
      const ctx = { features, events: rel(events), entities: rel(entities), entityCols: ENTITY_COLS };
      const asked = String(args.variants ?? (args.edges ? "ref,join,lateral,window,tiles,a" : "a,join,lateral,tiles,window")).split(",");
      if (args.edges) console.log(`\n== edges, feature set ${set}: ${features.map((f) => f.name).join(", ")}`);
      const { sqls, variants } = await allSqls(asked, ctx, dir);
      if (args.edges) {
        printVerification(variants[0], await verify(client, variants, sqls, features, events));
        continue;
      }
      await benchmark(client, args, { params, features, sqls, variants, dir, events, set });
    }
  } finally {
    await client.end();
  }
}

async function benchmark(client, args, { params, features, sqls, variants, dir, events, set }) {
  const server = await serverInfo(client);
  console.log(
    `agg (pg): ${params.events} events over ${params.customers} customers (${params.perCustomer} per customer), ${params.entityRows} entity rows; ` +
      `${features.length} features (${set}); queries in ${path.relative(REPO_DIR, dir)}/query-<variant>.sql\nserver: ${server}`,
  );
  if (args.explain) {
    for (const v of String(args.explain).split(",")) {
      const sql = sqls[v] ?? querySql(v, { features });
      const r = await withVariant(client, v, events, () =>
        client.query(`EXPLAIN (ANALYZE, BUFFERS) CREATE TEMP TABLE out_explain AS\n${sql}`),
      );
      await client.query("DROP TABLE IF EXISTS pg_temp.out_explain");
      const text = r.rows.map((x) => x["QUERY PLAN"]).join("\n");
      writeFileSync(path.join(dir, `explain-${v}.txt`), `${sql}\n\n${text}\n`);
      console.log(`\n== EXPLAIN (ANALYZE, BUFFERS) ${v}\n${text}`);
    }
    return;
  }
  const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
  const run = (v) => withVariant(client, v.split("@")[0], events, () => measure(client, pid, sqls[v]));
  for (let r = 0; r < Number(args.warmup); r++) {
    const line = [];
    for (const v of variants) line.push(`${v} ${fmtMs((await run(v)).ms)}`);
    console.log(`warm-up ${r + 1} (not counted): ${line.join(" · ")}`);
  }
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  const repeat = Number(args.repeat);
  for (let r = 0; r < repeat; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]);
    const line = [];
    for (const v of order) {
      const m = await run(v);
      runs[v].push(m);
      line.push(`${v} ${fmtMs(m.ms)} (CPU ${m.cpuMs === null ? "n/a" : fmtMs(m.cpuMs)})`);
    }
    console.log(`round ${r + 1}/${repeat}: ${line.join(" · ")}`);
  }
  await client.query("DROP TABLE IF EXISTS pg_temp.out");
  const summary = summarize(variants, runs);
  let verified;
  if (!args.noVerify && variants.length > 1) {
    console.log("verifying: every variant against the first, row for row …");
    const same = variants.filter((v) => !v.includes("@"));
    if (same.length > 1) verified = await verify(client, same, sqls, features, events);
  }
  const m = machine();
  console.log(
    `\n## agg --target pg — ${today()} — ${params.perCustomer} events per customer, features ${set}, median of ${repeat} runs (after ${args.warmup} warm-up), one session\n`,
  );
  console.log(`machine: ${machineLine(m)}; load average at the end ${loadLine()}\nserver: ${server}\n`);
  printSummary(summary, runs, variants[0], DESCRIPTIONS);
  if (verified) printVerification(variants[0], verified);
  mkdirSync(path.join(DATA_DIR, "results"), { recursive: true });
  const out = path.join(DATA_DIR, "results", `agg-pg-p${params.perCustomer}-${set}-${Date.now()}.json`);
  writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), machine: m, server, params, features, summary, runs, verified }, null, 2),
  );
  console.log(`\nraw results: ${path.relative(REPO_DIR, out)}`);
}
