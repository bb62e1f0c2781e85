// pit --target pg: point-in-time training query on PostgreSQL — fcompile vs LATERAL … LIMIT 1 vs join + row_number()
//
//   npm run bench -- pit --target pg [--scale 1] [--repeat 3] [--warmup 1] [--variants a,s_ties,b_all,feast,a_noidx,w_noidx,feast_noidx] [--views short]
//                                    [--explain a,b] [--ties] [--upload-rows 1000000] [--upload-repeat 5]
//                                    [--no-upload] [--train] [--no-verify] [--clean] [--url postgres://…]
//
// Data: generated in PostgreSQL with SQL (generate_series + hashint8extended as the pseudo-random
// source) into the schema `fcbench_pit`, which is kept and reused while the parameters match;
// `--clean` drops it (and bench/.data/pit-pg*) and exits. The feature tables are table sources the
// user owns, so the benchmark creates their indexes itself: (customer_id, ts), the baseline's
// index, and the statements of fcompile's target/compiled/postgres/index-advice.sql (what `build`
// advises, from the same code that `fcompile run` indexes its own tables with).
//
// Variants (each timed as `CREATE TEMP TABLE out AS <query>`, all in one session, in turns):
//   a      fcompile's compiled training query (api.trainingSql, target pg)
//   a_own  a over the (customer_id, ts) index only: a user who has not applied the index advice
//   b      hand-written LEFT JOIN LATERAL (… ORDER BY ts DESC LIMIT 1) per view (no tie-break), over
//          its own (customer_id, ts) index only: fcompile's advised indexes are dropped for it
//          inside a transaction that is rolled back after the timed statement
//   b_all  the same query with every index there (the planner then walks fcompile's index)
//   a_uniq fcompile's query where the catalog shows (customer_id, ts) unique: lookup-unique; run with
//          fcompile's index made UNIQUE (same columns) in a transaction rolled back afterwards
//   b_uniq b_all the same way (equal indexes)
//   c      join + row_number() per entity row (the shape Feast generates), joined back; with every
//          index (its join walks fcompile's index too, index-only)
//   c_own  c over the (customer_id, ts) index only, as b
// No index at all on the feature table (every index dropped inside a transaction that is rolled
// back after the timed statement: a table source nobody indexed):
//   a_noidx      fcompile's query for that case (api.trainingSql index: "absent"): the sort-merge shape
//   w_noidx      hand-written sort: DISTINCT ON dedup, window max(ts) over entity + view rows, join back
//   ref_noidx    ref (hash join + row_number(), full tie-break)    c_noidx  c, the same way
//   feast_noidx  Feast's rendered template
// Feast's own SQL (bench/feast/README.md: its PostgreSQL template rendered for this request):
//   feast        with every index there (it plans hash joins anyway)
// Other shapes (hand-written; all with the full point-in-time tie-break):
//   s_max        the greatest ts first (max(ts): an index-only Limit 1 probe), then the tie-break
//                among the rows at exactly that ts — fcompile's shape for views with string features
//   s_sort       ORDER BY ts DESC + tie-break, LIMIT 1 — fcompile's first shape
//   s_sort_incr  s_sort under SET enable_sort = off, so the planner uses an Incremental Sort
//   s_ties       ORDER BY ts DESC FETCH FIRST 1 ROW WITH TIES, then the tie-break — fcompile's shape
//                for the other views (SELECT * here, so index-only only when the index has every column)
//   ref          `c` with the full point-in-time tie-break (created, then every feature): the reference
// --ties builds a small tie-heavy dataset (tables ties_* in the same schema) and checks the
// variants against `a` and `ref` row for row.
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { DATA_DIR, REPO_DIR, fmtMs, machine, machineLine, median, parseArgs, table, today } from "./common.mjs";

const SCHEMA = "fcbench_pit";
const GENERATOR_VERSION = 1;
const DEFAULT_URL = "postgres://root@127.0.0.1:5432/test";
const YEAR_S = 365 * 86400;
const q = (id) => `"${id.replace(/"/g, '""')}"`;
const rel = (t) => `${q(SCHEMA)}.${q(t)}`;

/**
 * The dataset at scale 1: 20k customers × 100 rows per table (one per 3.65-day slot of 2024) = 2M
 * rows; 200k entity rows. `--scale s` multiplies customers and entity rows by s.
 */
let PARAMS = paramsFor(1);
function paramsFor(scale) {
  return {
    generator: GENERATOR_VERSION,
    entities: Math.max(10, Math.round(20_000 * scale)),
    rowsPerEntity: 100,
    entityRows: Math.max(10, Math.round(200_000 * scale)),
  };
}

const ALL_VIEWS = {
  short: {
    name: "short",
    table: "features_a",
    ttl: "30d",
    ttlSql: "INTERVAL '30 days'",
    created: "created_ts",
    features: [
      { name: "a_f1", type: "float64" },
      { name: "a_f2", type: "float64" },
      { name: "a_n", type: "int64" },
    ],
  },
  long: {
    name: "long",
    table: "features_b",
    ttl: "365d",
    ttlSql: "INTERVAL '365 days'",
    created: null,
    features: [
      { name: "b_f1", type: "float64" },
      { name: "b_f2", type: "float64" },
      { name: "b_n", type: "int64" },
    ],
  },
};
const TIES_VIEW = { ...ALL_VIEWS.short, table: "ties_features", ttl: "3d", ttlSql: "INTERVAL '3 days'" };
const SQL_TYPE = { float64: "DOUBLE PRECISION", int64: "BIGINT" };

// ---------------------------------------------------------------- dataset

// u(i, s): a uniform double in [0, 1) from the low 53 bits of hashint8extended(i * 1000 + s, 0).
// Deterministic (PostgreSQL's 64-bit hash of an int8, stable since PG 11); an inlinable SQL function.
const U_FUNCTION = `CREATE OR REPLACE FUNCTION ${rel("u")}(i bigint, s int) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (hashint8extended(i * 1000 + s, 0) & 9007199254740991)::double precision / 9007199254740992.0 $$`;
const u = (i, s) => `${rel("u")}(${i}, ${s})`;
const k = (i, s, n) => `floor(${u(i, s)} * ${n})::bigint`;

/**
 * Per table: customer e has one row in each of 100 equal slots of 2024 (W = 3.65 days) at a
 * pseudo-random second inside the slot, so (customer_id, ts) is unique. Rows are stored in slot
 * order (time order), not key order, as an append-only table would be.
 */
function featureTableSql(view, p) {
  const E = p.entities;
  const N = E * p.rowsPerEntity;
  const W = Math.floor(YEAR_S / p.rowsPerEntity);
  const s0 = view.table === "features_a" ? 10 : 20;
  const [f1, f2, n] = view.features.map((f) => q(f.name));
  const scale = view.table === "features_a" ? [100, 4, 1000] : [1000, 2, 100000];
  return [
    `DROP TABLE IF EXISTS ${rel(view.table)}`,
    `CREATE TABLE ${rel(view.table)} AS
     SELECT customer_id, ts,
       ${view.created ? `CASE WHEN ${u("i", s0 + 2)} < 0.01 THEN NULL ELSE ts + make_interval(secs => floor(${u("i", s0 + 3)} * 7200)) END AS ${q(view.created)},` : ""}
       CASE WHEN ${u("i", s0 + 4)} < 0.02 THEN NULL ELSE round((${u("i", s0 + 5)} * ${scale[0]})::numeric, ${scale[1]})::double precision END AS ${f1},
       ${u("i", s0 + 6)} AS ${f2},
       floor(${u("i", s0 + 7)} * ${scale[2]})::bigint AS ${n}
     FROM (SELECT i, (i % ${E}) + 1 AS customer_id,
             TIMESTAMP '2024-01-01' + make_interval(secs => (i / ${E}) * ${W} + floor(${u("i", s0 + 1)} * ${W})) AS ts
           FROM generate_series(0::bigint, ${N - 1}) AS g(i)) AS s`,
    // The baseline's index: the one a hand-written LATERAL … ORDER BY ts DESC LIMIT 1 walks.
    // fcompile's own (advised) index is added by applyIndexAdvice.
    `CREATE INDEX ON ${rel(view.table)} (customer_id, ts)`,
  ];
}

/**
 * 200k entity rows in an order that is neither key nor time order; 2% name a customer with no
 * feature rows; timestamps are random seconds from 15 days before the data to 15 days after it.
 * `__fc_row_id` is the input position, which fcompile's query expects on its entity relation.
 */
function entityRowsSelect(rows, E, s0) {
  return `SELECT floor(${u("i", s0 + 1)} * ${E} * 1.02)::bigint + 1 AS customer_id,
       TIMESTAMP '2024-01-01' - INTERVAL '15 days' + make_interval(secs => floor(${u("i", s0 + 2)} * ${YEAR_S + 30 * 86400})) AS event_timestamp,
       (${u("i", s0 + 3)} < 0.1)::int AS label,
       i + 1 AS __fc_row_id
     FROM generate_series(0::bigint, ${rows - 1}) AS g(i)`;
}

function entitiesSql(p) {
  return [
    `DROP TABLE IF EXISTS ${rel("entities")}`,
    `CREATE TABLE ${rel("entities")} AS ${entityRowsSelect(p.entityRows, p.entities, 30)}`,
  ];
}

/**
 * A small tie-heavy dataset: 300 customers, 60,000 rows on 200 whole hours (≈ 1 row per (key, hour),
 * so many equal (key, ts)), equal and NULL created timestamps, few distinct feature values with
 * NULLs; entity timestamps mostly on whole hours (on row timestamps and on the 3-day ttl boundary).
 */
function tiesSql() {
  return [
    `DROP TABLE IF EXISTS ${rel("ties_features")}`,
    `CREATE TABLE ${rel("ties_features")} AS
     SELECT ${k("i", 10, 300)} + 1 AS customer_id,
       TIMESTAMP '2024-01-01' + make_interval(hours => ${k("i", 11, 200)}::int) AS ts,
       CASE WHEN ${k("i", 12, 10)} < 3 THEN NULL ELSE TIMESTAMP '2024-02-01' + make_interval(hours => ${k("i", 13, 3)}::int) END AS created_ts,
       CASE WHEN ${k("i", 14, 5)} = 0 THEN NULL ELSE ${k("i", 15, 4)} * 0.5 END::double precision AS a_f1,
       CASE WHEN ${k("i", 16, 7)} = 0 THEN NULL ELSE ${k("i", 17, 3)} END::double precision AS a_f2,
       CASE WHEN ${k("i", 18, 9)} = 0 THEN NULL ELSE ${k("i", 19, 2)} END AS a_n
     FROM generate_series(0::bigint, 59999) AS g(i)`,
    `CREATE INDEX ON ${rel("ties_features")} (customer_id, ts)`,
    `DROP TABLE IF EXISTS ${rel("ties_entities")}`,
    `CREATE TABLE ${rel("ties_entities")} AS
     SELECT ${k("i", 31, 310)} + 1 AS customer_id,
       TIMESTAMP '2023-12-31 23:00:00' + make_interval(secs => ${k("i", 32, 260)} * 3600 + CASE WHEN ${k("i", 33, 4)} = 0 THEN ${k("i", 34, 3600)} ELSE 0 END) AS event_timestamp,
       ${k("i", 35, 2)}::int AS label,
       i + 1 AS __fc_row_id
     FROM generate_series(0::bigint, 19999) AS g(i)`,
  ];
}

/**
 * Builds the project and runs its target/compiled/postgres/index-advice.sql, as a user of table
 * sources is told to; first drops fc_* indexes on the tables that the advice no longer names
 * (left by earlier advice). Returns the names of fcompile's indexes.
 */
async function applyIndexAdvice(client, projectDir, tables) {
  const api = await import(pathToFileURL(path.join(REPO_DIR, "dist/index.js")).href);
  const built = await api.build({ projectDir });
  if (!built.ok) throw new Error(`fcompile build failed: ${JSON.stringify(built.diagnostics)}`);
  const advice = readFileSync(path.join(projectDir, "target/compiled/postgres/index-advice.sql"), "utf8");
  const statements = advice.split("\n").filter((l) => l.startsWith("CREATE INDEX"));
  const names = statements.map((st) => /^CREATE INDEX IF NOT EXISTS "([^"]+)"/.exec(st)[1]);
  const stale = await client.query(
    `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = ANY($2) AND indexname LIKE 'fc\\_%' AND NOT indexname = ANY($3)`,
    [SCHEMA, tables, names],
  );
  for (const r of stale.rows) await client.query(`DROP INDEX ${rel(r.indexname)}`);
  for (const [i, st] of statements.entries()) {
    const t0 = performance.now();
    const r = await client.query(`SELECT to_regclass($1) IS NULL AS missing`, [`${SCHEMA}.${names[i]}`]);
    await client.query(st);
    if (r.rows[0].missing) console.log(`index advice: created ${st} in ${fmtMs(performance.now() - t0)}`);
  }
  console.log(`index advice: fcompile's indexes ${names.join(", ")}`);
  fcIndexNames = names;
  return names;
}

async function connect(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("SET TimeZone = 'UTC'");
  return client;
}

/**
 * Creates (or reuses, when its parameters match) each table in `tables`: { name: { params, sqls } }.
 * The parameters each table was built with are kept in fcbench_pit.bench_params.
 */
async function ensureTables(client, tables) {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${q(SCHEMA)}`);
  await client.query(U_FUNCTION);
  await client.query(`CREATE TABLE IF NOT EXISTS ${rel("bench_params")} (tbl text PRIMARY KEY, params text NOT NULL)`);
  for (const [name, { params, sqls }] of Object.entries(tables)) {
    const want = JSON.stringify(params);
    const have = await client.query(`SELECT p.params FROM ${rel("bench_params")} p WHERE p.tbl = $1 AND to_regclass($2) IS NOT NULL`, [
      name,
      `${SCHEMA}.${name}`,
    ]);
    if (have.rows[0]?.params === want) {
      console.log(`dataset: reusing ${SCHEMA}.${name}`);
      continue;
    }
    const t0 = performance.now();
    await client.query("BEGIN");
    for (const sql of sqls) await client.query(sql);
    await client.query(`INSERT INTO ${rel("bench_params")} VALUES ($1, $2) ON CONFLICT (tbl) DO UPDATE SET params = EXCLUDED.params`, [
      name,
      want,
    ]);
    await client.query("COMMIT");
    // Sets hint bits and the visibility map, so the first timed query does not do it.
    await client.query(`VACUUM ANALYZE ${rel(name)}`);
    const n = await client.query(`SELECT count(*)::int AS n FROM ${rel(name)}`);
    console.log(`dataset: generated ${SCHEMA}.${name} (${n.rows[0].n} rows) in ${fmtMs(performance.now() - t0)}`);
  }
}

function projectFiles(views, url) {
  const yaml = [
    "entities:",
    "  - name: customer",
    "    join_keys: [customer_id]",
    "sources:",
    ...views.flatMap((v) => [
      `  - name: ${v.table}`,
      `    table: ${SCHEMA}.${v.table}`,
      "    timestamp: ts",
      ...(v.created ? [`    created_timestamp: ${v.created}`] : []),
    ]),
    "feature_views:",
    ...views.flatMap((v) => [
      `  - name: ${v.name}`,
      "    entities: [customer]",
      `    source: ${v.table}`,
      `    ttl: ${v.ttl}`,
      "    features:",
      ...v.features.map((f) => `      - {name: ${f.name}, type: ${f.type}}`),
    ]),
    "",
  ].join("\n");
  const config = [
    "name: bench",
    "target: pg",
    "targets:",
    "  pg:",
    "    type: postgres",
    `    url: "${url}"`,
    `    schema: ${SCHEMA}`,
    "",
  ].join("\n");
  return { "fcompile.yaml": config, "definitions/bench.yml": yaml };
}

function writeProject(dir, views, url) {
  for (const [f, text] of Object.entries(projectFiles(views, url))) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
}

// ---------------------------------------------------------------- queries

const entityRowsCte = (entities) => `entity_rows AS (
  SELECT e.*, CAST(e.event_timestamp AS TIMESTAMP) AS __fc_entity_ts
  FROM ${entities} AS e
)`;
const featureList = (views) => views.flatMap((v, i) => v.features.map((f) => ({ ...f, alias: `v${i + 1}`, view: v })));
const cast = (f, prefix = "") => `CAST(${prefix}${q(f.name)} AS ${SQL_TYPE[f.type]})`;
/** point-in-time tie-break after ts, winner first: created DESC NULLS LAST, then every feature DESC NULLS LAST. */
const tieBreak = (v, prefix = "") => [...(v.created ? [`${prefix}${q(v.created)}`] : []), ...v.features.map((f) => cast(f, prefix))];
const select = (views) => ["entity_rows.*", ...featureList(views).map((f) => `${f.alias}.${q(f.name)}`)].join(",\n  ");

/** (b): LEFT JOIN LATERAL (… ORDER BY ts DESC LIMIT 1) per view — the index order, nothing more. */
function lateralSql(views, entities) {
  return `WITH ${entityRowsCte(entities)}
SELECT
  ${select(views)}
FROM entity_rows${views
    .map(
      (v, i) => `
LEFT JOIN LATERAL (
  SELECT ${v.features.map((f) => `v.${q(f.name)}`).join(", ")}
  FROM ${rel(v.table)} AS v
  WHERE v.customer_id = entity_rows.customer_id
    AND v.ts <= entity_rows.__fc_entity_ts AND v.ts >= entity_rows.__fc_entity_ts - ${v.ttlSql}
  ORDER BY v.ts DESC
  LIMIT 1
) AS v${i + 1} ON TRUE`,
    )
    .join("")}
ORDER BY entity_rows.__fc_row_id`;
}

/**
 * (s_sort): fcompile's first PostgreSQL shape, hand-written — ORDER BY ts DESC and the whole
 * tie-break, LIMIT 1. The planner sorts every row in the ttl window (the tie-break columns are not
 * in the index), so each lookup reads all of them from the heap instead of stopping at the first.
 */
function sortSql(views, entities) {
  return `WITH ${entityRowsCte(entities)}
SELECT
  ${select(views)}
FROM entity_rows${views
    .map(
      (v, i) => `
LEFT JOIN LATERAL (
  SELECT ${v.features.map((f) => `${cast(f, "v.")} AS ${q(f.name)}`).join(", ")}
  FROM ${rel(v.table)} AS v
  WHERE v.customer_id = entity_rows.customer_id
    AND v.ts <= entity_rows.__fc_entity_ts AND v.ts >= entity_rows.__fc_entity_ts - ${v.ttlSql}
  ORDER BY v.ts DESC, ${tieBreak(v, "v.")
    .map((e) => `${e} DESC NULLS LAST`)
    .join(", ")}
  LIMIT 1
) AS v${i + 1} ON TRUE`,
    )
    .join("")}
ORDER BY entity_rows.__fc_row_id`;
}

/** (s_max): find the greatest ts first (index-only, Limit 1), then tie-break among the rows at that ts. */
function maxTsSql(views, entities) {
  return `WITH ${entityRowsCte(entities)}
SELECT
  ${select(views)}
FROM entity_rows${views
    .map(
      (v, i) => `
LEFT JOIN LATERAL (
  SELECT ${v.features.map((f) => `${cast(f, "v.")} AS ${q(f.name)}`).join(", ")}
  FROM ${rel(v.table)} AS v
  WHERE v.customer_id = entity_rows.customer_id
    AND v.ts = (
      SELECT max(m.ts) FROM ${rel(v.table)} AS m
      WHERE m.customer_id = entity_rows.customer_id
        AND m.ts <= entity_rows.__fc_entity_ts AND m.ts >= entity_rows.__fc_entity_ts - ${v.ttlSql}
    )
  ORDER BY ${tieBreak(v, "v.")
    .map((e) => `${e} DESC NULLS LAST`)
    .join(", ")}
  LIMIT 1
) AS v${i + 1} ON TRUE`,
    )
    .join("")}
ORDER BY entity_rows.__fc_row_id`;
}

/**
 * (s_ties): one index walk that stops after the rows at the greatest ts — ORDER BY ts DESC
 * FETCH FIRST 1 ROW WITH TIES (PostgreSQL 13+) — then the tie-break among those rows, LIMIT 1.
 */
function withTiesSql(views, entities) {
  return `WITH ${entityRowsCte(entities)}
SELECT
  ${select(views)}
FROM entity_rows${views
    .map(
      (v, i) => `
LEFT JOIN LATERAL (
  SELECT ${v.features.map((f) => `${cast(f, "t.")} AS ${q(f.name)}`).join(", ")}
  FROM (
    SELECT * FROM ${rel(v.table)} AS v
    WHERE v.customer_id = entity_rows.customer_id
      AND v.ts <= entity_rows.__fc_entity_ts AND v.ts >= entity_rows.__fc_entity_ts - ${v.ttlSql}
    ORDER BY v.ts DESC
    FETCH FIRST 1 ROW WITH TIES
  ) AS t
  ORDER BY ${tieBreak(v, "t.")
    .map((e) => `${e} DESC NULLS LAST`)
    .join(", ")}
  LIMIT 1
) AS v${i + 1} ON TRUE`,
    )
    .join("")}
ORDER BY entity_rows.__fc_row_id`;
}

/**
 * (c): the Feast shape — join entity rows to feature rows on key with ts in [T - ttl, T],
 * row_number() per entity row by ts DESC (then created DESC), keep 1, join back to the entity rows.
 * `full` adds every feature to the ORDER BY: the complete point-in-time tie-break (the `ref` variant).
 */
function rowNumberSql(views, entities, full = false) {
  const ctes = views.map((v, i) => {
    const order = [
      "v.ts DESC",
      ...(v.created ? [`v.${q(v.created)} DESC NULLS LAST`] : []),
      ...(full ? v.features.map((f) => `${cast(f, "v.")} DESC NULLS LAST`) : []),
    ];
    return `v${i + 1}_latest AS (
  SELECT __fc_row_id, ${v.features.map((f) => q(f.name)).join(", ")}
  FROM (
    SELECT e.__fc_row_id, ${v.features.map((f) => `v.${q(f.name)}`).join(", ")},
      row_number() OVER (PARTITION BY e.__fc_row_id ORDER BY ${order.join(", ")}) AS __rn
    FROM entity_rows AS e
    JOIN ${rel(v.table)} AS v
      ON v.customer_id = e.customer_id AND v.ts <= e.__fc_entity_ts AND v.ts >= e.__fc_entity_ts - ${v.ttlSql}
  ) AS ranked
  WHERE __rn = 1
)`;
  });
  return `WITH ${entityRowsCte(entities)},
${ctes.join(",\n")}
SELECT
  ${select(views)}
FROM entity_rows
${views.map((_, i) => `LEFT JOIN v${i + 1}_latest AS v${i + 1} ON v${i + 1}.__fc_row_id = entity_rows.__fc_row_id`).join("\n")}
ORDER BY entity_rows.__fc_row_id`;
}

/**
 * Feast's own PostgreSQL point-in-time SQL for this request, rendered from its template by
 * bench/feast/render.py (see bench/feast/README.md). Its output has no ORDER BY and no
 * __fc_entity_ts column; an entity row can come out twice (an exact tie).
 */
function feastSql(views) {
  const names = views.map((v) => (v.table === "ties_features" ? "ties" : v.name)).join("-");
  const file = path.join(REPO_DIR, "bench/feast", `pg-${names}.sql`);
  if (!existsSync(file)) throw new Error(`no rendered Feast SQL for views ${names}: ${file} (see bench/feast/README.md)`);
  return readFileSync(file, "utf8").trim();
}

/**
 * (w_noidx): a sort-based query written by hand for tables without an index: each view
 * deduplicated to one row per (key, ts) with DISTINCT ON (the tie-break), then entity rows and
 * those rows in one window per key where max(ts) FILTER (view rows) carries the latest view
 * timestamp forward to each entity row, then a hash join on (key, ts) for the values.
 */
function windowSql(views, entities) {
  const ctes = views.map((v, i) => {
    const a = `v${i + 1}`;
    return `${a}_dedup AS (
  SELECT DISTINCT ON (v.customer_id, v.ts) v.customer_id, v.ts, ${v.features.map((f) => `${cast(f, "v.")} AS ${q(f.name)}`).join(", ")}
  FROM ${rel(v.table)} AS v
  WHERE v.ts IS NOT NULL
  ORDER BY v.customer_id, v.ts, ${tieBreak(v, "v.")
    .map((e) => `${e} DESC NULLS LAST`)
    .join(", ")}
),
${a}_last AS (
  SELECT __fc_row_id, __ts FROM (
    SELECT u.__fc_row_id, u.__kind,
      max(u.ts) FILTER (WHERE u.__kind = 0) OVER (PARTITION BY u.customer_id ORDER BY u.ts, u.__kind ROWS UNBOUNDED PRECEDING) AS __ts
    FROM (
      SELECT customer_id, ts, 0 AS __kind, NULL::bigint AS __fc_row_id FROM ${a}_dedup
      UNION ALL
      SELECT customer_id, __fc_entity_ts, 1, __fc_row_id FROM entity_rows WHERE customer_id IS NOT NULL AND __fc_entity_ts IS NOT NULL
    ) AS u
  ) AS w
  WHERE __kind = 1
)`;
  });
  return `WITH ${entityRowsCte(entities)},
${ctes.join(",\n")}
SELECT
  ${select(views)}
FROM entity_rows
${views
  .map(
    (v, i) => `LEFT JOIN v${i + 1}_last AS l${i + 1} ON l${i + 1}.__fc_row_id = entity_rows.__fc_row_id
LEFT JOIN v${i + 1}_dedup AS v${i + 1} ON v${i + 1}.customer_id = entity_rows.customer_id AND v${i + 1}.ts = l${i + 1}.__ts
  AND v${i + 1}.ts >= entity_rows.__fc_entity_ts - ${v.ttlSql}`,
  )
  .join("\n")}
ORDER BY entity_rows.__fc_row_id`;
}

const DESCRIPTIONS = {
  a: "fcompile trainingSql",
  a_uniq: "fcompile over its index made UNIQUE: lookup-unique, no tie-break",
  b_uniq: "b_all over fcompile's index made UNIQUE",
  a_noidx: "fcompile's no-index shape (sort-merge), no index on the table",
  feast: "Feast's rendered PostgreSQL template (bench/feast/), every index there",
  feast_noidx: "Feast's rendered template, no index on the table",
  c_noidx: "c (join + row_number(), a hash join), no index on the table",
  ref_noidx: "ref (join + row_number(), full tie-break), no index on the table",
  w_noidx: "hand-written sort: DISTINCT ON dedup + window max(ts) over the union + join, no index",
  a_own: "a with the (customer_id, ts) index only",
  b: "LATERAL … ORDER BY ts DESC LIMIT 1 baseline, (customer_id, ts) index",
  b_all: "b with fcompile's indexes there too",
  c: "join + row_number() (Feast shape)",
  c_own: "c with the (customer_id, ts) index only",
  s_max: "LATERAL: max(ts) probe, then tie-break at that ts",
  ref: "join + row_number(), full point-in-time tie-break",
  s_ties: "LATERAL: ORDER BY ts DESC FETCH FIRST 1 ROW WITH TIES, then tie-break",
  s_sort: "LATERAL: ORDER BY ts DESC + tie-break, LIMIT 1 (first shape)",
  s_sort_incr: "s_sort with SET enable_sort = off (Incremental Sort)",
};
/**
 * What `npm run bench -- pit --target pg` runs without --variants: fcompile with its index against
 * the best hand-written queries with the same index and Feast's SQL, then the same with no index
 * at all (about 1 minute per round on a quiet machine).
 */
const DEFAULT_VARIANTS = "a,s_ties,b_all,feast,a_noidx,w_noidx,feast_noidx";

/** Session settings a variant runs under (set before, reset after its statement; not timed). */
const SETTINGS = { s_sort_incr: { enable_sort: "off" } };
/** Variants planned without fcompile's indexes: they walk only the baseline's (customer_id, ts). */
const OWN_INDEX_ONLY = new Set(["a_own", "b", "c_own"]);
/**
 * Variants planned with fcompile's indexes made UNIQUE (dropped and created again as UNIQUE, with
 * the same columns, inside a transaction rolled back after the timed statement; the build is not
 * timed): a table whose owner declared one row per (customer_id, ts).
 */
const UNIQUE_INDEX = new Set(["a_uniq", "b_uniq"]);
/** Variants planned with no index at all on the feature tables (a table source nobody indexed). */
const NO_INDEX = new Set(["a_noidx", "feast_noidx", "c_noidx", "ref_noidx", "w_noidx"]);
/** The feature tables of the current run (set by benchmark / tiesCheck): NO_INDEX hides all their indexes. */
let featureTables = [];
/** fcompile's indexes on the feature tables (from its index advice); set by applyIndexAdvice. */
let fcIndexNames = [];

async function querySql(variant, views, projectDir, entities) {
  switch (variant) {
    case "a":
    case "a_uniq":
    case "a_own":
    case "a_noidx": {
      const api = await import(pathToFileURL(path.join(REPO_DIR, "dist/index.js")).href);
      // a_uniq: what train compiles once the catalog shows a unique index on (customer_id, ts).
      if (variant !== "a_noidx")
        return api.trainingSql({
          projectDir,
          target: "pg",
          features: views.map((v) => `${v.name}:*`),
          entities,
          unique: variant === "a_uniq",
        });
      // The sort-merge shape carries the entity columns through, so it is given them; the row id
      // it numbers rows by is then __fc_row_id_2 (the entity table has a column __fc_row_id of its
      // own, the input position the other variants use), here a copy of __fc_row_id.
      return api.trainingSql({
        projectDir,
        target: "pg",
        features: views.map((v) => `${v.name}:*`),
        entities: `(SELECT e.*, e.__fc_row_id AS __fc_row_id_2 FROM ${entities} AS e)`,
        entityColumns: ["customer_id", "event_timestamp", "label", "__fc_row_id"],
        index: "absent",
      });
    }
    case "feast":
    case "feast_noidx":
      return feastSql(views);
    case "c_noidx":
      return rowNumberSql(views, entities, false);
    case "ref_noidx":
      return rowNumberSql(views, entities, true);
    case "w_noidx":
      return windowSql(views, entities);
    case "b":
    case "b_all":
    case "b_uniq":
      return lateralSql(views, entities);
    case "c":
    case "c_own":
      return rowNumberSql(views, entities, false);
    case "ref":
      return rowNumberSql(views, entities, true);
    case "s_max":
      return maxTsSql(views, entities);
    case "s_ties":
      return withTiesSql(views, entities);
    case "s_sort":
    case "s_sort_incr":
      return sortSql(views, entities);
    default:
      throw new Error(`unknown variant ${variant}; known: ${Object.keys(DESCRIPTIONS).join(", ")}`);
  }
}

// ---------------------------------------------------------------- measuring

/** user + system CPU of a server backend (Linux /proc; the server must be local), or null. */
async function backendCpuMs(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in USER_HZ (100/s)
  } catch {
    return null;
  }
}

/**
 * Runs fn under the variant's session settings and, for the variants in OWN_INDEX_ONLY (unless
 * hide is false), inside a transaction that drops fcompile's indexes first and is rolled back
 * after fn: the planner of that statement sees only the baseline's (customer_id, ts) index.
 */
async function withVariant(client, variant, fn, hide = true) {
  const set = Object.entries(SETTINGS[variant] ?? {});
  const hidden = !hide
    ? []
    : OWN_INDEX_ONLY.has(variant) || UNIQUE_INDEX.has(variant)
      ? fcIndexNames
      : NO_INDEX.has(variant)
        ? await allIndexes(client)
        : [];
  for (const [k, v] of set) await client.query(`SET ${k} = ${v}`);
  try {
    if (hidden.length === 0) return await fn();
    await client.query("BEGIN");
    try {
      const again = [];
      for (const name of hidden) {
        if (UNIQUE_INDEX.has(variant)) {
          const r = await client.query(`SELECT pg_get_indexdef(to_regclass($1)) AS def`, [`${SCHEMA}.${name}`]);
          again.push(r.rows[0].def.replace(/^CREATE INDEX /, "CREATE UNIQUE INDEX "));
        }
        await client.query(`DROP INDEX ${rel(name)}`);
      }
      for (const def of again) await client.query(def);
      return await fn();
    } finally {
      await client.query("ROLLBACK");
    }
  } finally {
    for (const [k] of set) await client.query(`RESET ${k}`);
  }
}

/** Every index on the run's feature tables. */
async function allIndexes(client) {
  const r = await client.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = ANY($2)`, [SCHEMA, featureTables]);
  return r.rows.map((x) => x.indexname);
}

async function measure(client, pid, variant, sql) {
  return withVariant(client, variant, () => measureStatement(client, pid, sql));
}

async function measureStatement(client, pid, sql) {
  await client.query("DROP TABLE IF EXISTS pg_temp.out");
  const c0 = await backendCpuMs(pid);
  const t0 = performance.now();
  const r = await client.query(`CREATE TEMP TABLE out AS\n${sql}`);
  const ms = performance.now() - t0;
  const c1 = await backendCpuMs(pid);
  return { ms, cpuMs: c0 === null || c1 === null ? null : c1 - c0, rows: r.rowCount };
}

/**
 * Builds every variant's output and compares each with the first, row for row (EXCEPT ALL both
 * ways). The first is built with every index; each other one is built and compared under its own
 * setup (for b: inside the transaction without fcompile's indexes).
 */
async function verify(client, variants, sqls, views) {
  const [first, ...rest] = variants;
  // Every output is stored in input order: the n-th stored row carries __fc_row_id n.
  const outOfPlace = async (v) =>
    (
      await client.query(
        `SELECT count(*) FILTER (WHERE __fc_row_id <> pos)::int AS out_of_place FROM (SELECT __fc_row_id, row_number() OVER () AS pos FROM out_${v}) AS x`,
      )
    ).rows[0].out_of_place;
  await client.query(`DROP TABLE IF EXISTS pg_temp.out_${first}`);
  await withVariant(client, first, () => client.query(`CREATE TEMP TABLE out_${first} AS\n${sqls[first]}`), false);
  const mismatches = [];
  const order = { [first]: await outOfPlace(first) };
  for (const v of rest) {
    await client.query(`DROP TABLE IF EXISTS pg_temp.out_${v}`);
    await withVariant(client, v, async () => {
      await client.query(`CREATE TEMP TABLE out_${v} AS\n${sqls[v]}`);
      // The entity row's id and keys and the features: Feast's output has no __fc_entity_ts.
      const cols = ["__fc_row_id", "customer_id", ...featureList(views).map((f) => q(f.name))].join(", ");
      const r = await client.query(`SELECT
        (SELECT count(*) FROM (SELECT ${cols} FROM out_${first} EXCEPT ALL SELECT ${cols} FROM out_${v}) AS x)::int AS only_in_first,
        (SELECT count(*) FROM (SELECT ${cols} FROM out_${v} EXCEPT ALL SELECT ${cols} FROM out_${first}) AS x)::int AS only_in_other,
        (SELECT count(*) FROM out_${v})::int AS rows,
        (SELECT count(*) - count(DISTINCT __fc_row_id) FROM out_${v})::int AS repeated,
        (SELECT count(*) FROM (SELECT DISTINCT o.__fc_row_id FROM out_${v} AS o JOIN out_${first} AS f USING (__fc_row_id)
           WHERE ${featureList(views)
             .map((f) => `o.${q(f.name)} IS DISTINCT FROM f.${q(f.name)}`)
             .join(" OR ")}) AS x)::int AS rows_with_other_values`);
      const x = r.rows[0];
      mismatches.push({
        variant: v,
        onlyInFirst: x.only_in_first,
        onlyInOther: x.only_in_other,
        rows: x.rows,
        repeated: x.repeated,
        otherValues: x.rows_with_other_values,
      });
      order[v] = await outOfPlace(v);
      await client.query(`DROP TABLE pg_temp.out_${v}`);
    });
  }
  const stats = (
    await client.query(
      `SELECT count(*)::int AS entity_rows, ${featureList(views)
        .map((f) => `count(${q(f.name)})::int AS ${q(f.name)}`)
        .join(", ")} FROM out_${first}`,
    )
  ).rows[0];
  await client.query(`DROP TABLE IF EXISTS pg_temp.out_${first}`);
  return { mismatches, order, stats };
}

/**
 * Where Feast's answer differs on the ties dataset, by cause: entity rows whose latest candidate
 * rows (greatest ts in the ttl window) are several with the greatest created timestamp (an exact
 * tie: Feast returns the entity row once per such row), and entity rows whose latest candidate
 * rows all have a NULL created timestamp (Feast's MAX(created) join drops them), with how many of
 * each Feast answers otherwise than fcompile.
 */
async function feastTies(client, aSql, feastSql) {
  const r = await client.query(`
    WITH a AS (${aSql}),
    f AS (SELECT * FROM (${feastSql}) AS x),
    top AS (
      SELECT e.__fc_row_id, e.customer_id, m.ts
      FROM ${rel("ties_entities")} AS e
      CROSS JOIN LATERAL (
        SELECT max(t.ts) AS ts FROM ${rel("ties_features")} AS t
        WHERE t.customer_id = e.customer_id AND t.ts <= e.event_timestamp AND t.ts >= e.event_timestamp - INTERVAL '3 days'
      ) AS m
      WHERE m.ts IS NOT NULL
    ),
    kinds AS (
      SELECT top.__fc_row_id,
        (SELECT count(*) FILTER (WHERE t.created_ts IS NOT NULL) = 0 FROM ${rel("ties_features")} AS t
          WHERE t.customer_id = top.customer_id AND t.ts = top.ts) AS all_null_created,
        (SELECT count(*) FROM ${rel("ties_features")} AS t
          WHERE t.customer_id = top.customer_id AND t.ts = top.ts
            AND t.created_ts = (SELECT max(u.created_ts) FROM ${rel("ties_features")} AS u WHERE u.customer_id = top.customer_id AND u.ts = top.ts)) AS at_max_created
      FROM top
    ),
    per_row AS (
      SELECT k.*, coalesce(n.rows, 0) AS feast_rows, coalesce(d.differs, false) AS differs
      FROM kinds AS k
      LEFT JOIN (SELECT f.__fc_row_id, count(*) AS rows FROM f GROUP BY f.__fc_row_id) AS n USING (__fc_row_id)
      LEFT JOIN (
        SELECT f.__fc_row_id, bool_or((f.a_f1, f.a_f2, f.a_n) IS DISTINCT FROM (a.a_f1, a.a_f2, a.a_n)) AS differs
        FROM f JOIN a USING (__fc_row_id) GROUP BY f.__fc_row_id
      ) AS d USING (__fc_row_id)
    )
    SELECT
      count(*) FILTER (WHERE at_max_created > 1)::int AS exact_tie_entity_rows,
      count(*) FILTER (WHERE at_max_created > 1 AND feast_rows > 1)::int AS exact_tie_returned_more_than_once,
      count(*) FILTER (WHERE all_null_created)::int AS latest_created_all_null_entity_rows,
      count(*) FILTER (WHERE all_null_created AND differs)::int AS latest_created_all_null_feast_differs
    FROM per_row`);
  return r.rows[0];
}

async function explainTo(client, dir, variant, sql) {
  const r = await client.query(`EXPLAIN (ANALYZE, BUFFERS) CREATE TEMP TABLE out_explain AS\n${sql}`);
  await client.query("DROP TABLE IF EXISTS pg_temp.out_explain");
  const text = r.rows.map((row) => row["QUERY PLAN"]).join("\n");
  const file = path.join(dir, `explain-${variant}.txt`);
  writeFileSync(file, `${sql}\n\n${text}\n`);
  return { text, file };
}

async function serverInfo(client) {
  const r = await client.query(`SELECT current_setting('server_version') AS version,
      current_setting('shared_buffers') AS shared_buffers, current_setting('work_mem') AS work_mem,
      current_setting('jit') AS jit, current_setting('max_parallel_workers_per_gather') AS parallel,
      current_setting('random_page_cost') AS random_page_cost`);
  const s = r.rows[0];
  return `PostgreSQL ${s.version} (shared_buffers ${s.shared_buffers}, work_mem ${s.work_mem}, jit ${s.jit}, max_parallel_workers_per_gather ${s.parallel}, random_page_cost ${s.random_page_cost})`;
}

// ---------------------------------------------------------------- entity upload (COPY)

/** The 1M-row entity CSV (customer_id, event_timestamp), written by PostgreSQL's COPY TO; reused. */
async function ensureUploadCsv(client, dir, rows) {
  const file = path.join(dir, `entities-${rows}.csv`);
  const meta = `${file}.params.json`;
  const params = JSON.stringify({ generator: GENERATOR_VERSION, rows, entities: PARAMS.entities });
  if (existsSync(file) && existsSync(meta) && readFileSync(meta, "utf8") === params) return file;
  const t0 = performance.now();
  const sql = `COPY (SELECT customer_id, event_timestamp FROM (${entityRowsSelect(rows, PARAMS.entities, 40)}) AS x ORDER BY __fc_row_id)
    TO STDOUT (FORMAT csv, HEADER true)`;
  await pipeline(client.query(copyTo(sql)), createWriteStream(file));
  writeFileSync(meta, params);
  console.log(`upload: wrote ${path.relative(REPO_DIR, file)} (${rows} rows) in ${fmtMs(performance.now() - t0)}`);
  return file;
}

/** Times PostgresWarehouse.loadEntities({file, format: "csv"}) — the path `train --entities FILE` takes. */
async function measureUpload(projectDir, file, repeat) {
  const api = await import(pathToFileURL(path.join(REPO_DIR, "dist/index.js")).href);
  const { PostgresWarehouse } = await import(pathToFileURL(path.join(REPO_DIR, "dist/warehouse/postgres.js")).href);
  const { resolveTarget } = await import(pathToFileURL(path.join(REPO_DIR, "dist/project/targets.js")).href);
  const { fileColumns } = await import(pathToFileURL(path.join(REPO_DIR, "dist/warehouse/file-reader.js")).href);
  const { config, registry } = await api.loadProject(projectDir);
  const target = resolveTarget(config, "pg");
  const wh = await PostgresWarehouse.open(target, registry);
  const loads = [];
  const sniffs = [];
  let rows;
  try {
    for (let r = 0; r < repeat; r++) {
      const t0 = performance.now();
      const relation = await wh.loadEntities({ file, format: "csv" });
      loads.push(performance.now() - t0);
      // loadEntities = column sniffing (DuckDB reads the CSV head) + CREATE TEMP TABLE + COPY FROM STDIN + ANALYZE
      const s0 = performance.now();
      await fileColumns(file, "csv");
      sniffs.push(performance.now() - s0);
      rows = Number((await wh.client.query(`SELECT count(*) AS n FROM pg_temp.${relation}`)).rows[0].n);
      console.log(
        `upload ${r + 1}/${repeat}: loadEntities ${fmtMs(loads.at(-1))} (of which column sniffing ≈ ${fmtMs(sniffs.at(-1))}), ${rows} rows`,
      );
    }
  } finally {
    await wh.close();
  }
  return { loads, sniffs, rows };
}

// ---------------------------------------------------------------- main

export async function main(argv) {
  const args = parseArgs(argv, { repeat: "3", warmup: "1", views: "short", uploadRows: "1000000", scale: "1" });
  PARAMS = paramsFor(Number(args.scale));
  const url = String(args.url ?? process.env.FCBENCH_PG_URL ?? DEFAULT_URL);
  const client = await connect(url);
  try {
    if (args.clean) return await clean(client);
    if (args.ties) return await tiesCheck(client, url, args);
    await benchmark(client, url, args);
  } finally {
    await client.end();
  }
}

async function clean(client) {
  await client.query(`DROP SCHEMA IF EXISTS ${q(SCHEMA)} CASCADE`);
  for (const d of ["pit-pg", "pit-pg-ties"]) rmSync(path.join(DATA_DIR, d), { recursive: true, force: true });
  console.log(`dropped schema ${SCHEMA} and removed bench/.data/pit-pg*`);
}

async function benchmark(client, url, args) {
  const repeat = Number(args.repeat);
  const warmup = Number(args.warmup);
  const variants = String(args.variants ?? DEFAULT_VARIANTS).split(",");
  const views = String(args.views)
    .split(",")
    .map(
      (n) =>
        ALL_VIEWS[n] ??
        (() => {
          throw new Error(`unknown view ${n}; known: ${Object.keys(ALL_VIEWS).join(", ")}`);
        })(),
    );
  const dir = path.join(DATA_DIR, "pit-pg");
  writeProject(dir, views, url);
  featureTables = views.map((v) => v.table);

  const tables = { entities: { params: PARAMS, sqls: entitiesSql(PARAMS) } };
  for (const v of views) tables[v.table] = { params: PARAMS, sqls: featureTableSql(v, PARAMS) };
  await ensureTables(client, tables);
  await applyIndexAdvice(
    client,
    dir,
    views.map((v) => v.table),
  );
  // Fresh statistics before measuring (cheap at this size).
  for (const t of ["entities", ...views.map((v) => v.table)]) await client.query(`ANALYZE ${rel(t)}`);

  const entities = rel("entities");
  const sqls = {};
  for (const v of new Set([...variants, ...(args.explain ? String(args.explain).split(",") : [])])) {
    sqls[v] = await querySql(v, views, dir, entities);
    writeFileSync(path.join(dir, `query-${v}.sql`), `${sqls[v]}\n`);
  }
  const N = PARAMS.entities * PARAMS.rowsPerEntity;
  console.log(
    `pit (pg): ${N * views.length} feature rows (${views.length} table${views.length > 1 ? "s" : ""} × ${N}) over ${PARAMS.entities} entities, ` +
      `${PARAMS.entityRows} entity rows; views ${views.map((v) => `${v.name} (ttl ${v.ttl})`).join(", ")}`,
  );
  console.log(`queries written to ${path.relative(REPO_DIR, dir)}/query-<variant>.sql`);
  const server = await serverInfo(client);
  console.log(`server: ${server}`);

  if (args.explain) {
    for (const v of String(args.explain).split(",")) {
      const { text, file } = await withVariant(client, v, () => explainTo(client, dir, v, sqls[v]));
      console.log(`\n== EXPLAIN (ANALYZE, BUFFERS) ${v} (${DESCRIPTIONS[v]}) — also in ${path.relative(REPO_DIR, file)}\n${text}`);
    }
    return;
  }

  const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
  for (let r = 0; r < warmup; r++) {
    const line = [];
    for (const v of variants) line.push(`${v} ${fmtMs((await measure(client, pid, v, sqls[v])).ms)}`);
    console.log(`warm-up ${r + 1}/${warmup} (not counted): ${line.join(" · ")}`);
  }
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = 0; r < repeat; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]);
    const line = [];
    for (const v of order) {
      const m = await measure(client, pid, v, sqls[v]);
      runs[v].push(m);
      line.push(`${v} ${fmtMs(m.ms)}`);
    }
    console.log(`round ${r + 1}/${repeat}: ${line.join(" · ")}`);
  }
  await client.query("DROP TABLE IF EXISTS pg_temp.out");

  const summary = variants.map((v) => ({
    variant: v,
    medianMs: median(runs[v].map((m) => m.ms)),
    minMs: Math.min(...runs[v].map((m) => m.ms)),
    maxMs: Math.max(...runs[v].map((m) => m.ms)),
    medianCpuMs: runs[v].every((m) => m.cpuMs !== null) ? median(runs[v].map((m) => m.cpuMs)) : null,
    rows: runs[v][0].rows,
  }));
  const byName = Object.fromEntries(summary.map((s) => [s.variant, s]));

  let verified;
  if (!args.noVerify && variants.length > 1) {
    console.log("verifying: every variant against the first, row for row (EXCEPT ALL both ways; stored order = __fc_row_id) …");
    verified = await verify(client, variants, sqls, views);
  }

  let upload;
  if (!args.noUpload) {
    const rows = Number(args.uploadRows);
    const file = await ensureUploadCsv(client, dir, rows);
    const ur = Number(args.uploadRepeat ?? args.repeat);
    upload = { rows, ...(await measureUpload(dir, file, ur)) };
    if (args.train) {
      const api = await import(pathToFileURL(path.join(REPO_DIR, "dist/index.js")).href);
      const out = path.join(dir, "train-out.csv");
      const r = await api.train({ projectDir: dir, target: "pg", features: views.map((v) => `${v.name}:*`), entitiesFile: file, out });
      rmSync(out, { force: true });
      upload.train = { rows: r.rows, ms: r.ms };
      console.log(`train with ${path.basename(file)} → CSV: ${r.rows} rows in ${fmtMs(r.ms)}`);
    }
  }

  const m = machine();
  console.log(`\n## pit --target pg — ${today()} — median of ${repeat} runs each (after ${warmup} warm-up round), one session\n`);
  console.log(`machine: ${machineLine(m)}`);
  console.log(`server: ${server}\n`);
  console.log(
    table(
      ["variant", "what", "median wall", "min … max", "median backend CPU", "rows"],
      summary.map((s) => [
        s.variant,
        DESCRIPTIONS[s.variant],
        fmtMs(s.medianMs),
        `${fmtMs(s.minMs)} … ${fmtMs(s.maxMs)}`,
        s.medianCpuMs === null ? "n/a" : fmtMs(s.medianCpuMs),
        s.rows,
      ]),
    ),
  );
  const ratio = (x, y) => {
    const paired = median(runs[x].map((mm, i) => mm.ms / runs[y][i].ms));
    const cpu = byName[x].medianCpuMs && byName[y].medianCpuMs ? byName[x].medianCpuMs / byName[y].medianCpuMs : NaN;
    return `${(byName[x].medianMs / byName[y].medianMs).toFixed(2)}× wall (paired per round ${paired.toFixed(2)}×, backend CPU ${cpu.toFixed(2)}×)`;
  };
  console.log("");
  if (byName.a && byName.b) console.log(`a/b (fcompile ÷ LATERAL LIMIT 1): ${ratio("a", "b")} — target ≤ 1.2×`);
  if (byName.a && byName.b_all) console.log(`a/b_all (fcompile ÷ LATERAL LIMIT 1 with fcompile's indexes): ${ratio("a", "b_all")}`);
  if (byName.a && byName.c) console.log(`c/a (row_number ÷ fcompile): ${ratio("c", "a")} — target ≥ 2×`);
  if (byName.a && byName.s_ties)
    console.log(`a/s_ties (fcompile ÷ hand-written WITH TIES + tie-break, equal indexes): ${ratio("a", "s_ties")} — target ≤ 1.0×`);
  if (byName.a && byName.feast) console.log(`feast/a (Feast's SQL ÷ fcompile, every index there): ${ratio("feast", "a")} — target ≥ 3×`);
  if (byName.a_uniq && byName.b_uniq)
    console.log(`a_uniq/b_uniq (fcompile ÷ LATERAL LIMIT 1, both over the UNIQUE index): ${ratio("a_uniq", "b_uniq")} — target ≤ 1.0×`);
  if (byName.a_uniq && byName.b_all)
    console.log(`a_uniq/b_all (fcompile over the UNIQUE index ÷ LATERAL LIMIT 1 over the plain one): ${ratio("a_uniq", "b_all")}`);
  if (byName.a_uniq && byName.a) console.log(`a_uniq/a (fcompile, UNIQUE index ÷ plain): ${ratio("a_uniq", "a")}`);
  if (byName.a_uniq && byName.feast)
    console.log(`feast/a_uniq (Feast's SQL ÷ fcompile over the UNIQUE index): ${ratio("feast", "a_uniq")}`);
  if (byName.a_noidx && byName.feast_noidx)
    console.log(`feast_noidx/a_noidx (no index: Feast's SQL ÷ fcompile's sort-merge): ${ratio("feast_noidx", "a_noidx")} — target ≥ 3×`);
  for (const x of ["c_noidx", "ref_noidx", "w_noidx"])
    if (byName.a_noidx && byName[x])
      console.log(`a_noidx/${x} (no index: fcompile ÷ hand-written): ${ratio("a_noidx", x)} — target ≤ 1.0×`);
  if (byName.a && byName.a_noidx) console.log(`a_noidx/a (fcompile without ÷ with its index): ${ratio("a_noidx", "a")}`);
  if (byName.a_own && byName.b) console.log(`a_own/b (fcompile without its INCLUDE index ÷ LATERAL LIMIT 1): ${ratio("a_own", "b")}`);
  if (byName.a && byName.c_own) console.log(`c_own/a (row_number without fcompile's indexes ÷ fcompile): ${ratio("c_own", "a")}`);
  for (const x of variants.filter((n) => n.startsWith("s_"))) {
    if (byName.b) console.log(`${x}/b: ${ratio(x, "b")}`);
    if (byName.c) console.log(`c/${x}: ${ratio("c", x)}`);
  }
  if (verified) {
    console.log(`\nrow-for-row check against ${variants[0]}:`);
    for (const x of verified.mismatches)
      console.log(
        `  ${x.variant}: ${x.onlyInFirst === 0 && x.onlyInOther === 0 ? "identical" : "DIFFERENT"} (rows only in ${variants[0]}: ${x.onlyInFirst}, only in ${x.variant}: ${x.onlyInOther}, rows ${x.rows}; ` +
          `entity rows repeated: ${x.repeated}, entity rows with other values: ${x.otherValues})`,
      );
    console.log(`  stored rows out of input order: ${JSON.stringify(verified.order)}`);
    console.log(`  non-NULL values per feature in ${variants[0]}: ${JSON.stringify(verified.stats)}`);
  }
  if (upload) {
    console.log(
      `\nentity upload, ${upload.rows} rows (CSV customer_id,event_timestamp) via PostgresWarehouse.loadEntities (COPY FROM STDIN): ` +
        `median ${fmtMs(median(upload.loads))} (${fmtMs(Math.min(...upload.loads))} … ${fmtMs(Math.max(...upload.loads))}, ${upload.loads.length} runs; ` +
        `column sniffing alone ≈ ${fmtMs(median(upload.sniffs))}) — target < 5 s`,
    );
    if (upload.train)
      console.log(`train with the ${upload.rows}-row CSV, end to end (load + query + CSV export): ${fmtMs(upload.train.ms)}`);
  }
  const result = {
    date: new Date().toISOString(),
    machine: m,
    server,
    params: PARAMS,
    views: views.map((v) => v.name),
    repeat,
    warmup,
    summary,
    runs,
    verified,
    upload,
    sql: sqls,
  };
  mkdirSync(path.join(DATA_DIR, "results"), { recursive: true });
  const out = path.join(DATA_DIR, "results", `pit-pg-${Date.now()}.json`);
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`\nraw results: ${path.relative(REPO_DIR, out)}`);
}

/** --ties: on a small dataset full of ties, every variant against fcompile (a), with `ref` as the reference. */
async function tiesCheck(client, url, args) {
  const views = [TIES_VIEW];
  const dir = path.join(DATA_DIR, "pit-pg-ties");
  writeProject(dir, views, url);
  await ensureTables(client, {
    ties_features: { params: { generator: GENERATOR_VERSION, ties: true }, sqls: tiesSql().slice(0, 3) },
    ties_entities: { params: { generator: GENERATOR_VERSION, ties: true }, sqls: tiesSql().slice(3) },
  });
  await applyIndexAdvice(client, dir, ["ties_features"]);
  featureTables = ["ties_features"];
  const variants = String(args.variants ?? "a,ref,a_noidx,w_noidx,ref_noidx,s_max,s_sort,s_sort_incr,s_ties,b,c,feast").split(",");
  const sqls = {};
  for (const v of variants) sqls[v] = await querySql(v, views, dir, rel("ties_entities"));
  const stats = (
    await client.query(`SELECT
      (SELECT count(*) FROM ${rel("ties_features")})::int AS rows,
      (SELECT count(*) FROM (SELECT DISTINCT customer_id, ts FROM ${rel("ties_features")}) AS x)::int AS key_ts,
      (SELECT count(*) FROM (SELECT DISTINCT customer_id, ts, created_ts FROM ${rel("ties_features")}) AS x)::int AS key_ts_created,
      (SELECT count(*) FROM ${rel("ties_entities")})::int AS entity_rows`)
  ).rows[0];
  console.log(`ties dataset: ${JSON.stringify(stats)}`);
  const { mismatches, order, stats: nn } = await verify(client, variants, sqls, views);
  if (sqls.feast && sqls.a)
    console.log(`Feast's answer on the ties dataset: ${JSON.stringify(await feastTies(client, sqls.a, sqls.feast))}`);
  console.log(`non-NULL values per feature in a: ${JSON.stringify(nn)}; stored rows out of input order: ${JSON.stringify(order)}`);
  console.log(
    table(
      [
        "variant",
        "what",
        `equal to a (${stats.entity_rows} rows)`,
        "rows only in a",
        "rows only in variant",
        "entity rows repeated",
        "entity rows with other values",
      ],
      mismatches.map((x) => [
        x.variant,
        DESCRIPTIONS[x.variant],
        x.onlyInFirst === 0 && x.onlyInOther === 0 ? "yes" : "NO",
        x.onlyInFirst,
        x.onlyInOther,
        x.repeated,
        x.otherValues,
      ]),
    ),
  );
}
