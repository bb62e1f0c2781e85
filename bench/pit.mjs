// pit: point-in-time training query — fcompile vs DuckDB ASOF join vs join + row_number() (10M feature rows, 1M entity rows)
//
//   node bench/run.mjs pit [--scale 1] [--repeat 5] [--variants a,b,c,feast] [--rows-per-entity 50]
//                          [--explain a,b] [--ties] [--no-verify] [--primary-key]
//   node bench/run.mjs pit --target pg …   PostgreSQL: LATERAL … LIMIT 1 shapes (see bench/lib/pit-pg.mjs)
//
// Variants (each timed as `CREATE OR REPLACE TEMP TABLE out AS <query>` in a fresh child process):
//   a            fcompile's compiled training query (api.trainingSql)
//   a_uniq       what train compiles where the catalog shows (key, ts) unique: asof-unique, no dedup
//                (needs --primary-key: a copy of the dataset with PRIMARY KEY (customer_id, ts))
//   b            hand-written ASOF LEFT JOIN per view, ttl applied with CASE (no tie-breaking)
//   c            join + row_number() per view, the shape Feast generates, joined back to the entity rows
// Alternative shapes of fcompile's query (same ASOF join, other ways to pick one row per (key, ts)):
//   s_qualify    fcompile's QUALIFY row_number() dedup, hand-written (sanity check of the generator)
//   s_argmax     GROUP BY key, ts + arg_max(values, struct tie-break key)
//   s_distinct   DISTINCT ON (key, ts) … ORDER BY tie-break
//   s_asof_key   no dedup: the tie-break is folded into the ASOF inequality (struct key)
//   s_lead       keep the last row of each (key, ts): lead(ts) over the key, ordered by ts + tie-break
//   s_qualify_key QUALIFY row_number() ordered by one struct tie-break key
//   s_nodedup    no dedup at all (wrong on ties; the floor the others approach)
//   x_asof_fix   ASOF on (key, ts) only, then arg_max over just the source rows on a matched (key, ts)
//   x_union      entity and feature rows in one window, last_value(… IGNORE NULLS) carried forward
//   ref          `c` with the full point-in-time tie-break (created, then every feature) — the reference
// --ties builds a small tie-heavy dataset and checks every variant against `a` and `ref` row for row.
import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
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
const GENERATOR_VERSION = 2;
const YEAR_S = 365 * 86400;

/** The two feature views of the benchmark project. */
function viewsFor(ties) {
  return [
    {
      name: "short",
      table: "features_a",
      ttl: ties ? "3d" : "30d",
      ttlSql: ties ? "INTERVAL '3 days'" : "INTERVAL '30 days'",
      created: "created_ts",
      features: [
        { name: "a_f1", type: "float64" },
        { name: "a_f2", type: "float64" },
        { name: "a_n", type: "int64" },
      ],
    },
    {
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
  ];
}
const SQL_TYPE = { float64: "DOUBLE", int64: "BIGINT" };
const q = (id) => `"${id.replace(/"/g, '""')}"`;
const ENTITIES = `"bench"."entities"`;

// ---------------------------------------------------------------- dataset

/**
 * Dataset parameters at a scale: 100k entities × 50 rows × 2 tables = 10M feature rows, 1M entity
 * rows. `rowsPerEntity` changes the density at the same 10M rows (fewer entities, more rows each).
 */
function paramsFor(scale, rowsPerEntity = 50) {
  const entities = Math.max(10, Math.round((100_000 * scale * 50) / rowsPerEntity));
  return {
    generator: GENERATOR_VERSION,
    duckdb: duckdbVersion(),
    scale,
    entities,
    rowsPerEntityPerTable: rowsPerEntity,
    featureRowsPerTable: entities * rowsPerEntity,
    entityRows: Math.max(10, Math.round(1_000_000 * scale)),
  };
}

/**
 * Generation SQL. Everything comes from range() and DuckDB's hash(): deterministic for a DuckDB
 * version. Per table, entity e has one row in each of 50 equal slots of the year 2024-01-01 +365d,
 * at a pseudo-random second inside the slot, so (customer_id, ts) is unique by construction.
 * Each pseudo-random column hashes one integer, i * 1000 + seed: DuckDB's hash(i, seed) XORs the
 * two hashes, so columns drawn from hash(i, s1) and hash(i, s2) would be functions of each other.
 */
function generateSql(p) {
  const E = p.entities;
  const N = p.featureRowsPerTable;
  const W = Math.floor(YEAR_S / p.rowsPerEntityPerTable);
  const base = (seed) =>
    `(SELECT i, (i % ${E}) + 1 AS customer_id,
       TIMESTAMP '2024-01-01' + to_seconds((i // ${E}) * ${W} + CAST(hash(i * 1000 + ${seed}) % ${W} AS BIGINT)) AS ts
     FROM range(${N}) r(i))`;
  return [
    `CREATE SCHEMA IF NOT EXISTS bench`,
    `CREATE OR REPLACE TEMP MACRO u(i, s) AS CAST(hash(i * 1000 + s) >> 11 AS DOUBLE) / 9007199254740992.0`,
    `CREATE OR REPLACE TABLE bench.features_a AS
     SELECT customer_id, ts,
       CASE WHEN u(i, 12) < 0.01 THEN NULL ELSE ts + to_seconds(CAST(floor(u(i, 13) * 7200) AS BIGINT)) END AS created_ts,
       CASE WHEN u(i, 14) < 0.02 THEN NULL ELSE round(u(i, 15) * 100, 4) END AS a_f1,
       u(i, 16) AS a_f2,
       CAST(floor(u(i, 17) * 1000) AS BIGINT) AS a_n
     FROM ${base(11)}`,
    `CREATE OR REPLACE TABLE bench.features_b AS
     SELECT customer_id, ts,
       CASE WHEN u(i, 24) < 0.02 THEN NULL ELSE round(u(i, 25) * 1000, 2) END AS b_f1,
       u(i, 26) AS b_f2,
       CAST(floor(u(i, 27) * 100000) AS BIGINT) AS b_n
     FROM ${base(21)}`,
    // 2% of entity rows name a customer with no feature rows; timestamps from 15 days before the
    // data to 15 days after it, at second resolution; input order is neither key nor time order.
    `CREATE OR REPLACE TABLE bench.entities AS
     SELECT CAST(floor(u(i, 31) * ${E} * 1.02) AS BIGINT) + 1 AS customer_id,
       TIMESTAMP '2024-01-01' - INTERVAL '15 days' + to_seconds(CAST(floor(u(i, 32) * ${YEAR_S + 30 * 86400}) AS BIGINT)) AS event_timestamp,
       CAST(u(i, 33) < 0.1 AS INTEGER) AS label
     FROM range(${p.entityRows}) r(i)`,
    `CHECKPOINT`,
  ];
}

/**
 * A small tie-heavy dataset for the correctness check of the dedup shapes: ~25 rows per
 * (entity, hour), equal timestamps, equal and NULL created timestamps, few distinct feature
 * values with NULLs, entity timestamps exactly on row timestamps and on the ttl boundary.
 */
function generateTiesSql() {
  const E = 300;
  const rows = (seed, n) =>
    `(SELECT i, CAST(hash(i * 1000 + ${seed}) % ${E} AS BIGINT) + 1 AS customer_id,
       TIMESTAMP '2024-01-01' + to_seconds(CAST(hash(i * 1000 + ${seed + 1}) % 200 AS BIGINT) * 3600) AS ts
     FROM range(${n}) r(i))`;
  return [
    `CREATE SCHEMA IF NOT EXISTS bench`,
    `CREATE OR REPLACE TEMP MACRO k(i, s, n) AS CAST(hash(i * 1000 + s) % n AS BIGINT)`,
    `CREATE OR REPLACE TABLE bench.features_a AS
     SELECT customer_id, ts,
       CASE WHEN k(i, 12, 10) < 3 THEN NULL ELSE TIMESTAMP '2024-02-01' + to_hours(k(i, 13, 3)) END AS created_ts,
       CASE WHEN k(i, 14, 5) = 0 THEN NULL ELSE k(i, 15, 4) * 0.5 END AS a_f1,
       CASE WHEN k(i, 16, 7) = 0 THEN NULL ELSE CAST(k(i, 17, 3) AS DOUBLE) END AS a_f2,
       CASE WHEN k(i, 18, 9) = 0 THEN NULL ELSE k(i, 19, 2) END AS a_n
     FROM ${rows(10, 60000)}`,
    `CREATE OR REPLACE TABLE bench.features_b AS
     SELECT customer_id, ts,
       CASE WHEN k(i, 24, 5) = 0 THEN NULL ELSE k(i, 25, 3) * 1.5 END AS b_f1,
       CASE WHEN k(i, 26, 6) = 0 THEN NULL ELSE CAST(k(i, 27, 2) AS DOUBLE) END AS b_f2,
       CASE WHEN k(i, 28, 8) = 0 THEN NULL ELSE k(i, 29, 3) END AS b_n
     FROM ${rows(20, 40000)}`,
    `CREATE OR REPLACE TABLE bench.entities AS
     SELECT k(i, 31, ${E + 10}) + 1 AS customer_id,
       TIMESTAMP '2023-12-31 23:00:00' + to_seconds(k(i, 32, 260) * 3600 + CASE WHEN k(i, 33, 4) = 0 THEN k(i, 34, 3600) ELSE 0 END) AS event_timestamp,
       CAST(k(i, 35, 2) AS INTEGER) AS label
     FROM range(20000) r(i)`,
    `CHECKPOINT`,
  ];
}

function projectFiles(views) {
  const yaml = [
    "entities:",
    "  - name: customer",
    "    join_keys: [customer_id]",
    "sources:",
    ...views.flatMap((v) => [
      `  - name: ${v.table}`,
      `    table: bench.${v.table}`,
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
    "feature_services:",
    "  - name: bench_model",
    `    features: [${views.map((v) => `"${v.name}:*"`).join(", ")}]`,
    "",
  ].join("\n");
  const config = ["name: bench", "target: local", "targets:", "  local:", "    type: duckdb", "    path: warehouse.duckdb", ""].join("\n");
  return { "fcompile.yaml": config, "definitions/bench.yml": yaml };
}

/** Creates (or reuses, when the parameters match) the project folder and its DuckDB file. */
async function ensureDataset(dir, params, sqls, views) {
  const db = path.join(dir, "warehouse.duckdb");
  const metaFile = path.join(dir, "params.json");
  for (const [rel, text] of Object.entries(projectFiles(views))) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  const same = existsSync(db) && existsSync(metaFile) && readFileSync(metaFile, "utf8") === JSON.stringify(params);
  if (same) {
    console.log(`dataset: reusing ${path.relative(REPO_DIR, db)}`);
    return db;
  }
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  rmSync(metaFile, { force: true });
  console.log(`dataset: generating ${path.relative(REPO_DIR, db)} …`);
  const job = path.join(dir, "generate.json");
  writeFileSync(
    job,
    JSON.stringify({
      db,
      timed: sqls.join(";\n"),
      after: [
        {
          name: "counts",
          sql: `SELECT
            (SELECT count(*) FROM bench.features_a) AS rows_a,
            (SELECT count(*) FROM bench.features_b) AS rows_b,
            (SELECT count(*) FROM bench.entities) AS entity_rows,
            (SELECT count(DISTINCT customer_id) FROM bench.entities) AS entity_keys,
            (SELECT count(*) FROM (SELECT DISTINCT customer_id, ts FROM bench.features_a)) AS distinct_key_ts_a,
            (SELECT count(*) FROM (SELECT DISTINCT customer_id, ts FROM bench.features_b)) AS distinct_key_ts_b`,
        },
      ],
    }),
  );
  const r = await runChild(CHILD, [job]);
  console.log(`dataset: generated in ${fmtMs(r.ms)}: ${JSON.stringify(r.results.counts[0])}`);
  writeFileSync(metaFile, JSON.stringify(params));
  return db;
}

// ---------------------------------------------------------------- queries

/** The prologue every hand-written variant shares: entity rows numbered in input order. */
const ENTITY_ROWS = `entity_rows AS (
  SELECT *, row_number() OVER () AS __fc_row_id, CAST(event_timestamp AS TIMESTAMP) AS __fc_entity_ts
  FROM ${ENTITIES}
)`;

const featureList = (views) => views.flatMap((v, i) => v.features.map((f) => ({ ...f, alias: `v${i + 1}`, view: v })));
const cast = (f, prefix = "") => `CAST(${prefix}${q(f.name)} AS ${SQL_TYPE[f.type]})`;

/** (b): one ASOF LEFT JOIN per view straight on the source table, ttl applied with CASE. */
function asofSql(views) {
  const outs = featureList(views).map(
    (f) => `  CASE WHEN ${f.alias}.ts >= e.__fc_entity_ts - ${f.view.ttlSql} THEN ${f.alias}.${q(f.name)} END AS ${q(f.name)}`,
  );
  return `WITH ${ENTITY_ROWS}
SELECT
  e.* EXCLUDE (__fc_row_id, __fc_entity_ts),
${outs.join(",\n")}
FROM entity_rows AS e
${views
  .map(
    (v, i) => `ASOF LEFT JOIN "bench".${q(v.table)} AS v${i + 1}
  ON e.customer_id = v${i + 1}.customer_id AND e.__fc_entity_ts >= v${i + 1}.ts`,
  )
  .join("\n")}
ORDER BY e.__fc_row_id`;
}

/**
 * (c): the Feast shape — join entity rows to feature rows on key with ts in [T - ttl, T],
 * row_number() over each entity row by ts DESC (then created DESC), keep 1, join back.
 * `full` adds every feature to the ORDER BY: the complete point-in-time tie-break (the `ref` variant).
 */
function rowNumberSql(views, full = false) {
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
    JOIN "bench".${q(v.table)} AS v
      ON v.customer_id = e.customer_id AND v.ts <= e.__fc_entity_ts AND v.ts >= e.__fc_entity_ts - ${v.ttlSql}
  )
  WHERE __rn = 1
)`;
  });
  return `WITH ${ENTITY_ROWS},
${ctes.join(",\n")}
SELECT
  e.* EXCLUDE (__fc_row_id, __fc_entity_ts),
${featureList(views)
  .map((f) => `  ${f.alias}.${q(f.name)}`)
  .join(",\n")}
FROM entity_rows AS e
${views.map((_, i) => `LEFT JOIN v${i + 1}_latest AS v${i + 1} ON v${i + 1}.__fc_row_id = e.__fc_row_id`).join("\n")}
ORDER BY e.__fc_row_id`;
}

/** The point-in-time tie-break after ts: created DESC NULLS LAST, then every feature DESC NULLS LAST. */
const tieBreak = (v) => [...(v.created ? [q(v.created)] : []), ...v.features.map((f) => cast(f))];

/**
 * The same tie-break as a struct whose natural (ascending) order is the preference order:
 * DuckDB orders NULL fields last (greatest), so each nullable field is preceded by an
 * `IS NOT NULL` flag that makes NULL the lowest; two NULLs compare equal.
 */
function tieKey(v) {
  const parts = tieBreak(v).flatMap((e, j) => [`n${j} := ${e} IS NOT NULL`, `k${j} := ${e}`]);
  return `struct_pack(${parts.join(", ")})`;
}
function tieKeyType(v) {
  const types = [...(v.created ? ["TIMESTAMP"] : []), ...v.features.map((f) => SQL_TYPE[f.type])];
  return `STRUCT(${types.map((t, j) => `n${j} BOOLEAN, k${j} ${t}`).join(", ")})`;
}

/** fcompile's shape (ASOF LEFT JOIN of the entity rows to one-row-per-(key, ts) CTEs) with a chosen dedup. */
function shapeSql(views, dedup) {
  const rowsCte = (v) => {
    const feats = v.features.map((f) => `${cast(f)} AS ${q(f.name)}`).join(", ");
    const from = `FROM "bench".${q(v.table)}\n  WHERE ts IS NOT NULL`;
    switch (dedup) {
      case "qualify":
        return `SELECT customer_id, CAST(ts AS TIMESTAMP) AS __fc_ts, ${feats}
  ${from}
  QUALIFY row_number() OVER (PARTITION BY customer_id, CAST(ts AS TIMESTAMP) ORDER BY ${tieBreak(v)
    .map((e) => `${e} DESC NULLS LAST`)
    .join(", ")}) = 1`;
      case "lead":
        return `SELECT customer_id, CAST(ts AS TIMESTAMP) AS __fc_ts, ${feats}
  ${from}
  QUALIFY lead(CAST(ts AS TIMESTAMP)) OVER (PARTITION BY customer_id ORDER BY CAST(ts AS TIMESTAMP), ${tieBreak(v)
    .map((e) => `${e} ASC NULLS FIRST`)
    .join(", ")}) IS DISTINCT FROM CAST(ts AS TIMESTAMP)`;
      case "qualify_key":
        return `SELECT customer_id, CAST(ts AS TIMESTAMP) AS __fc_ts, ${feats}
  ${from}
  QUALIFY row_number() OVER (PARTITION BY customer_id, CAST(ts AS TIMESTAMP) ORDER BY ${tieKey(v)} DESC) = 1`;
      case "argmax":
        return `SELECT customer_id, __fc_ts, ${v.features.map((f) => `__v.${q(f.name)}`).join(", ")}
  FROM (
    SELECT customer_id, CAST(ts AS TIMESTAMP) AS __fc_ts,
      arg_max(struct_pack(${v.features.map((f) => `${q(f.name)} := ${cast(f)}`).join(", ")}), ${tieKey(v)}) AS __v
    ${from}
    GROUP BY customer_id, __fc_ts
  )`;
      case "distinct":
        return `SELECT DISTINCT ON (customer_id, __fc_ts) customer_id, CAST(ts AS TIMESTAMP) AS __fc_ts, ${feats}
  ${from}
  ORDER BY customer_id, __fc_ts, ${tieBreak(v)
    .map((e) => `${e} DESC NULLS LAST`)
    .join(", ")}`;
      case "asof_key":
        return `SELECT customer_id, CAST(ts AS TIMESTAMP) AS __fc_ts, ${feats},
    struct_pack(t := CAST(ts AS TIMESTAMP), x := false, tb := ${tieKey(v)}) AS __fc_key
  ${from}`;
      case "nodedup":
        return `SELECT customer_id, CAST(ts AS TIMESTAMP) AS __fc_ts, ${feats}
  ${from}`;
      default:
        throw new Error(`unknown dedup ${dedup}`);
    }
  };
  const on = (v, a) =>
    dedup === "asof_key"
      ? `struct_pack(t := e.__fc_entity_ts, x := true, tb := CAST(NULL AS ${tieKeyType(v)})) >= ${a}.__fc_key`
      : `e.__fc_entity_ts >= ${a}.__fc_ts`;
  return `WITH ${ENTITY_ROWS},
${views.map((v, i) => `v${i + 1}_rows AS (\n  ${rowsCte(v)}\n)`).join(",\n")}
SELECT
  e.* EXCLUDE (__fc_row_id, __fc_entity_ts),
${featureList(views)
  .map((f) => `  CASE WHEN ${f.alias}.__fc_ts >= e.__fc_entity_ts - ${f.view.ttlSql} THEN ${f.alias}.${q(f.name)} END AS ${q(f.name)}`)
  .join(",\n")}
FROM entity_rows AS e
${views
  .map(
    (v, i) => `ASOF LEFT JOIN v${i + 1}_rows AS v${i + 1}
  ON e.customer_id = v${i + 1}.customer_id AND ${on(v, `v${i + 1}`)}`,
  )
  .join("\n")}
ORDER BY e.__fc_row_id`;
}

/**
 * ASOF first, tie-break after: the chained ASOF joins carry only (key, ts) of the matched row;
 * then only the source rows on a matched (key, ts) within ttl are grouped (arg_max by the
 * tie-break key) and joined back. The dedup touches the matched rows, not the whole source.
 */
function asofFixSql(views) {
  const ctes = views.map((v, i) => {
    const a = `v${i + 1}`;
    return `${a}_pick AS (
  SELECT customer_id, __fc_ts, arg_max(struct_pack(${v.features.map((f) => `${q(f.name)} := ${cast(f)}`).join(", ")}), ${tieKey(v)}) AS __v
  FROM (SELECT *, CAST(ts AS TIMESTAMP) AS __fc_ts FROM "bench".${q(v.table)} WHERE ts IS NOT NULL) AS src
  SEMI JOIN (
    SELECT DISTINCT customer_id, __${a}_ts FROM matched WHERE __${a}_ts >= __fc_entity_ts - ${v.ttlSql}
  ) AS m ON src.customer_id = m.customer_id AND src.__fc_ts = m.__${a}_ts
  GROUP BY customer_id, __fc_ts
)`;
  });
  return `WITH ${ENTITY_ROWS},
matched AS (
  SELECT e.*, ${views.map((_, i) => `v${i + 1}.__fc_ts AS __v${i + 1}_ts`).join(", ")}
  FROM entity_rows AS e
${views
  .map(
    (
      v,
      i,
    ) => `  ASOF LEFT JOIN (SELECT customer_id, CAST(ts AS TIMESTAMP) AS __fc_ts FROM "bench".${q(v.table)} WHERE ts IS NOT NULL) AS v${i + 1}
    ON e.customer_id = v${i + 1}.customer_id AND e.__fc_entity_ts >= v${i + 1}.__fc_ts`,
  )
  .join("\n")}
),
${ctes.join(",\n")}
SELECT
  m.* EXCLUDE (__fc_row_id, __fc_entity_ts, ${views.map((_, i) => `__v${i + 1}_ts`).join(", ")}),
${featureList(views)
  .map((f) => `  CASE WHEN m.__${f.alias}_ts >= m.__fc_entity_ts - ${f.view.ttlSql} THEN ${f.alias}.__v.${q(f.name)} END AS ${q(f.name)}`)
  .join(",\n")}
FROM matched AS m
${views.map((_, i) => `LEFT JOIN v${i + 1}_pick AS v${i + 1} ON v${i + 1}.customer_id = m.customer_id AND v${i + 1}.__fc_ts = m.__v${i + 1}_ts`).join("\n")}
ORDER BY m.__fc_row_id`;
}

/**
 * One window instead of joins: entity rows and the rows of every view (all keyed by customer_id)
 * in one relation, ordered by (key, ts, feature rows before entity rows, tie-break key), and
 * last_value(… IGNORE NULLS) carries the latest row of each view forward to each entity row.
 */
function unionSql(views) {
  const structOf = (v) =>
    `struct_pack(__fc_ts := CAST(ts AS TIMESTAMP), ${v.features.map((f) => `${q(f.name)} := ${cast(f)}`).join(", ")})`;
  const structType = (v) => `STRUCT(__fc_ts TIMESTAMP, ${v.features.map((f) => `${q(f.name)} ${SQL_TYPE[f.type]}`).join(", ")})`;
  const nulls = (skip) =>
    views.flatMap((v, i) =>
      i === skip ? [] : [`CAST(NULL AS ${structType(v)}) AS __v${i + 1}`, `CAST(NULL AS ${tieKeyType(v)}) AS __k${i + 1}`],
    );
  const parts = [
    `SELECT customer_id, __fc_entity_ts AS __t, 1 AS __kind, __fc_row_id, ${nulls(-1).join(", ")} FROM entity_rows`,
    ...views.map(
      (v, i) =>
        `SELECT customer_id, CAST(ts AS TIMESTAMP) AS __t, 0 AS __kind, NULL AS __fc_row_id, ${[...nulls(i), `${structOf(v)} AS __v${i + 1}`, `${tieKey(v)} AS __k${i + 1}`].join(", ")}
    FROM "bench".${q(v.table)} WHERE ts IS NOT NULL`,
    ),
  ];
  const win = `PARTITION BY customer_id ORDER BY __t, __kind, ${views.map((_, i) => `__k${i + 1} NULLS FIRST`).join(", ")} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`;
  return `WITH ${ENTITY_ROWS},
u AS (
  ${parts.join("\n  UNION ALL BY NAME\n  ")}
),
w AS (
  SELECT __fc_row_id, __kind, ${views.map((_, i) => `last_value(__v${i + 1} IGNORE NULLS) OVER (${win}) AS __v${i + 1}`).join(",\n    ")}
  FROM u
  QUALIFY __kind = 1
)
SELECT
  e.* EXCLUDE (__fc_row_id, __fc_entity_ts),
${featureList(views)
  .map(
    (f) => `  CASE WHEN w.__${f.alias}.__fc_ts >= e.__fc_entity_ts - ${f.view.ttlSql} THEN w.__${f.alias}.${q(f.name)} END AS ${q(f.name)}`,
  )
  .join(",\n")}
FROM entity_rows AS e
JOIN w ON w.__fc_row_id = e.__fc_row_id
ORDER BY e.__fc_row_id`;
}

const DESCRIPTIONS = {
  a: "fcompile trainingSql (lead() dedup + ASOF)",
  a_uniq: "fcompile trainingSql over a PRIMARY KEY (customer_id, ts): asof-unique, no dedup",
  b: "ASOF LEFT JOIN baseline (no dedup)",
  c: "join + row_number() (Feast shape)",
  ref: "join + row_number(), full point-in-time tie-break",
  s_qualify: "shape: QUALIFY row_number() dedup (hand-written a)",
  s_argmax: "shape: GROUP BY + arg_max(struct key) dedup",
  s_distinct: "shape: DISTINCT ON dedup",
  s_asof_key: "shape: tie-break folded into ASOF key, no dedup",
  s_nodedup: "shape: no dedup (wrong on ties)",
  s_qualify_key: "shape: QUALIFY row_number() ORDER BY one struct key",
  s_lead: "shape: keep the last row of each (key, ts) by lead() over key",
  x_asof_fix: "ASOF on (key, ts) only, then tie-break only the matched (key, ts)",
  x_union: "one window: union + last_value(IGNORE NULLS)",
  feast: "Feast's rendered PostgreSQL template (bench/feast/), run as it is",
};

/** Variants whose output order is not the input order (compared without position). */
const UNORDERED = new Set(["feast"]);

async function querySql(variant, views, projectDir) {
  switch (variant) {
    case "a": {
      const api = await import(pathToFileURL(path.join(REPO_DIR, "dist/index.js")).href);
      return api.trainingSql({ projectDir, features: views.map((v) => `${v.name}:*`), entities: ENTITIES });
    }
    case "a_uniq": {
      // What `train` compiles when the catalog shows a PRIMARY KEY on (customer_id, ts) (run with
      // --primary-key, which adds one to a copy of the dataset).
      const api = await import(pathToFileURL(path.join(REPO_DIR, "dist/index.js")).href);
      return api.trainingSql({ projectDir, features: views.map((v) => `${v.name}:*`), entities: ENTITIES, unique: true });
    }
    case "b":
      return asofSql(views);
    case "c":
      return rowNumberSql(views, false);
    case "ref":
      return rowNumberSql(views, true);
    case "x_asof_fix":
      return asofFixSql(views);
    case "x_union":
      return unionSql(views);
    case "feast": {
      // Feast's PostgreSQL template rendered for this request (bench/feast/README.md); it runs on
      // DuckDB as it is. Rendered for the main dataset's views (short ttl 30d, long ttl 365d).
      if (views[0].ttl !== "30d") throw new Error("bench/feast/duckdb-short-long.sql is rendered for the main dataset, not --ties");
      return readFileSync(path.join(REPO_DIR, "bench/feast/duckdb-short-long.sql"), "utf8").trim();
    }
    default:
      if (variant.startsWith("s_")) return shapeSql(views, variant.slice(2));
      throw new Error(`unknown variant ${variant}; known: ${Object.keys(DESCRIPTIONS).join(", ")}`);
  }
}

// ---------------------------------------------------------------- measuring

/** Order-sensitive fingerprint of `out`: row count, column names and types, sum of row hashes with position. */
const FINGERPRINT = [
  { name: "shape", sql: `SELECT string_agg(column_name || ' ' || column_type, ', ') AS columns FROM (DESCRIBE out)` },
  {
    name: "hash",
    sql: `SELECT count(*) AS rows, CAST(sum(hash(CAST(__pos AS VARCHAR) || ':' || CAST(hash(t) AS VARCHAR))) AS VARCHAR) AS h FROM (SELECT row_number() OVER () AS __pos, out AS t FROM out)`,
  },
];

/**
 * A copy of the dataset whose feature tables have PRIMARY KEY (customer_id, ts), as a user who
 * declares that their table holds one row per key and timestamp has (docs/training.md, "Unique
 * (keys, timestamp)"); made once, and the time DuckDB takes to build the keys is printed.
 */
async function withPrimaryKey(dir, db, views) {
  const pk = path.join(dir, "warehouse-pk.duckdb");
  const stamp = path.join(dir, "warehouse-pk.stamp");
  const source = `${statSync(db).mtimeMs}`;
  if (existsSync(pk) && existsSync(stamp) && readFileSync(stamp, "utf8") === source) {
    console.log(`dataset: reusing ${path.relative(REPO_DIR, pk)} (PRIMARY KEY (customer_id, ts) on the feature tables)`);
    return pk;
  }
  rmSync(pk, { force: true });
  rmSync(`${pk}.wal`, { force: true });
  copyFileSync(db, pk);
  const tables = [...new Set(views.map((v) => v.table))];
  const job = writeJob(dir, "primary-key", {
    db: pk,
    timed: tables.map((t) => `ALTER TABLE bench.${q(t)} ADD PRIMARY KEY (customer_id, ts)`).join(";\n"),
    after: [{ name: "checkpoint", sql: "CHECKPOINT" }],
  });
  const r = await runChild(CHILD, [job]);
  writeFileSync(stamp, source);
  console.log(
    `dataset: ${path.relative(REPO_DIR, pk)}: PRIMARY KEY (customer_id, ts) on ${tables.join(", ")} built in ${fmtMs(r.ms)} ` +
      `(peak RSS ${fmtMiB(r.maxRssKiB)}); DuckDB refuses it if any (key, ts) repeats`,
  );
  return pk;
}

function writeJob(dir, name, job) {
  const file = path.join(dir, "jobs", `${name}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(job));
  return file;
}

async function measure(dir, db, variant, sql) {
  const job = writeJob(dir, `measure-${variant}`, {
    db,
    readOnly: true,
    timed: `CREATE OR REPLACE TEMP TABLE out AS\n${sql}`,
    after: FINGERPRINT,
  });
  const r = await runChild(CHILD, [job]);
  return {
    ms: r.ms,
    cpuMs: r.cpuMs,
    maxRssKiB: r.maxRssKiB,
    openRssKiB: r.openRssKiB,
    fingerprint: `${r.results.hash[0].rows}:${r.results.hash[0].h}:${r.results.shape[0].columns}`,
    rows: r.results.hash[0].rows,
  };
}

/** Runs every variant once in one process and compares each with the first, row for row with position. */
async function verify(dir, db, variants, sqls, views) {
  const [first, ...rest] = variants;
  const setup = variants.map((v) => `CREATE TEMP TABLE out_${v} AS\n${sqls[v]}`);
  for (const v of variants) setup.push(`CREATE TEMP TABLE pos_${v} AS SELECT row_number() OVER () AS __pos, * FROM out_${v}`);
  // Feast's SQL has no ORDER BY: its rows are compared as a multiset, without their position.
  const cols = (v) => (UNORDERED.has(v) ? "* EXCLUDE (__pos)" : "*");
  const after = rest.flatMap((v) => [
    {
      name: `${first}-${v}`,
      sql: `SELECT (SELECT count(*) FROM (SELECT ${cols(v)} FROM pos_${first} EXCEPT ALL SELECT ${cols(v)} FROM pos_${v})) AS only_in_${first},
        (SELECT count(*) FROM (SELECT ${cols(v)} FROM pos_${v} EXCEPT ALL SELECT ${cols(v)} FROM pos_${first})) AS only_in_other,
        (SELECT count(*) FROM pos_${v}) AS rows`,
    },
  ]);
  const feats = featureList(views);
  after.push({
    name: "stats",
    sql: `SELECT count(*) AS entity_rows, ${feats.map((f) => `count(${q(f.name)}) AS ${q(f.name)}`).join(", ")} FROM out_${first}`,
  });
  const job = writeJob(dir, "verify", { db, readOnly: true, setup, after });
  const r = await runChild(CHILD, [job]);
  const mismatches = rest.map((v) => {
    const x = r.results[`${first}-${v}`][0];
    return { variant: v, onlyInFirst: x[`only_in_${first}`], onlyInOther: x.only_in_other, rows: x.rows };
  });
  return { mismatches, stats: r.results.stats[0] };
}

async function explain(dir, db, variant, sql) {
  const job = writeJob(dir, `explain-${variant}`, {
    db,
    readOnly: true,
    after: [{ name: "plan", sql: `EXPLAIN ANALYZE CREATE OR REPLACE TEMP TABLE out AS\n${sql}` }],
  });
  const r = await runChild(CHILD, [job]);
  const text = r.results.plan.map((row) => row.explain_value).join("\n");
  const file = path.join(dir, `explain-${variant}.txt`);
  writeFileSync(file, `${sql}\n\n${text}\n`);
  return { text, file };
}

/** Warms the OS page cache with the database file so the first child is not penalised. */
function warmFile(file) {
  return new Promise((resolve, reject) => {
    const s = createReadStream(file, { highWaterMark: 1 << 22 });
    s.on("data", () => {});
    s.on("end", resolve);
    s.on("error", reject);
  });
}

// ---------------------------------------------------------------- main

export async function main(argv) {
  const args = parseArgs(argv, { scale: "1", repeat: "5" });
  if (args.target === "pg" || args.target === "postgres") return (await import("./lib/pit-pg.mjs")).main(argv);
  if (args.target && args.target !== "duckdb") throw new Error(`unknown --target ${args.target}; known: duckdb, pg`);
  if (args.ties) return tiesCheck(args);
  const scale = Number(args.scale);
  const repeat = Number(args.repeat);
  const variants = String(args.variants ?? "a,b,c,feast").split(",");
  const views = viewsFor(false);
  const rowsPerEntity = Number(args.rowsPerEntity ?? 50);
  const params = paramsFor(scale, rowsPerEntity);
  const tag = `pit-s${scale}${rowsPerEntity === 50 ? "" : `-r${rowsPerEntity}`}`;
  const dir = path.join(DATA_DIR, tag);
  let db = await ensureDataset(dir, params, generateSql(params), views);
  if (args.primaryKey) db = await withPrimaryKey(dir, db, views);
  else if (variants.includes("a_uniq"))
    throw new Error("variant a_uniq needs --primary-key (its shape is right only where the catalog guarantees unique (key, ts))");
  const sqls = {};
  for (const v of new Set([...variants, ...(args.explain ? String(args.explain).split(",") : [])])) {
    sqls[v] = await querySql(v, views, dir);
    writeFileSync(path.join(dir, `query-${v}.sql`), sqls[v]);
  }
  console.log(
    `pit: ${params.featureRowsPerTable * 2} feature rows (2 tables × ${params.featureRowsPerTable}) over ${params.entities} entities (${rowsPerEntity} rows each per table), ` +
      `${params.entityRows} entity rows; views short (ttl 30d, created_timestamp) and long (ttl 365d); 6 features`,
  );
  console.log(`queries written to ${path.relative(REPO_DIR, dir)}/query-<variant>.sql`);

  if (args.explain) {
    for (const v of String(args.explain).split(",")) {
      const { text, file } = await explain(dir, db, v, sqls[v]);
      console.log(`\n== EXPLAIN ANALYZE ${v} (${DESCRIPTIONS[v]}) — also in ${path.relative(REPO_DIR, file)}\n${text}`);
    }
    return;
  }

  await warmFile(db);
  const runs = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = 0; r < repeat; r++) {
    // rotate the order each round so no variant always runs first (or right after the heaviest)
    const order = variants.map((_, i) => variants[(i + r) % variants.length]);
    const line = [];
    for (const v of order) {
      const m = await measure(dir, db, v, sqls[v]);
      runs[v].push(m);
      line.push(`${v} ${fmtMs(m.ms)} ${fmtMiB(m.maxRssKiB)}`);
    }
    console.log(`round ${r + 1}/${repeat}: ${line.join(" · ")}`);
  }

  const summary = variants.map((v) => ({
    variant: v,
    medianMs: median(runs[v].map((m) => m.ms)),
    minMs: Math.min(...runs[v].map((m) => m.ms)),
    maxMs: Math.max(...runs[v].map((m) => m.ms)),
    medianCpuMs: median(runs[v].map((m) => m.cpuMs)),
    medianRssKiB: median(runs[v].map((m) => m.maxRssKiB)),
    maxRssKiB: Math.max(...runs[v].map((m) => m.maxRssKiB)),
    openRssKiB: median(runs[v].map((m) => m.openRssKiB)),
    rows: runs[v][0].rows,
    fingerprints: new Set(runs[v].map((m) => m.fingerprint)),
  }));
  const byName = Object.fromEntries(summary.map((s) => [s.variant, s]));
  const ref = variants[0];
  const sameAsFirst = (s) => s.fingerprints.size === 1 && [...s.fingerprints][0] === [...byName[ref].fingerprints][0];

  let verified;
  if (!args.noVerify && variants.length > 1) {
    console.log("verifying: every variant against the first, row for row (EXCEPT ALL both ways, with position) …");
    verified = await verify(dir, db, variants, sqls, views);
  }

  const m = machine();
  console.log(`\n## pit — ${today()} — scale ${scale}, median of ${repeat} fresh-process runs each\n`);
  console.log(`machine: ${machineLine(m)}\n`);
  console.log(
    table(
      [
        "variant",
        "what",
        "median wall",
        "min … max",
        "median CPU (user+sys)",
        `peak RSS (median; process after open ≈ ${fmtMiB(median(summary.map((s) => s.openRssKiB)))})`,
        "rows",
        `fingerprint = ${ref}`,
      ],
      summary.map((s) => [
        s.variant,
        DESCRIPTIONS[s.variant],
        fmtMs(s.medianMs),
        `${fmtMs(s.minMs)} … ${fmtMs(s.maxMs)}`,
        fmtMs(s.medianCpuMs),
        fmtMiB(s.medianRssKiB),
        s.rows,
        s.fingerprints.size > 1 ? "UNSTABLE" : sameAsFirst(s) ? "yes" : "NO",
      ]),
    ),
  );
  // Ratios three ways: of the wall-clock medians, the median of the per-round ratios (paired:
  // the two runs of a round are close in time, so drifting background load cancels out
  // better), and of the CPU-time medians (less sensitive to other tenants on the box).
  const ratio = (x, y) => {
    const paired = median(runs[x].map((m, i) => m.ms / runs[y][i].ms));
    const cpu = byName[x].medianCpuMs / byName[y].medianCpuMs;
    return `${(byName[x].medianMs / byName[y].medianMs).toFixed(2)}× wall (paired per round ${paired.toFixed(2)}×, CPU ${cpu.toFixed(2)}×)`;
  };
  console.log("");
  if (byName.a && byName.b) console.log(`a/b (fcompile ÷ ASOF): ${ratio("a", "b")} — target ≤ 1.3×`);
  if (byName.a && byName.c) console.log(`c/a (row_number ÷ fcompile): ${ratio("c", "a")} — target ≥ 2×`);
  if (byName.a && byName.feast) console.log(`feast/a (Feast's SQL ÷ fcompile): ${ratio("feast", "a")} — target ≥ 3×`);
  if (byName.a_uniq && byName.feast)
    console.log(`feast/a_uniq (Feast's SQL ÷ fcompile over the primary key): ${ratio("feast", "a_uniq")} — target ≥ 3×`);
  if (byName.a_uniq && byName.b) console.log(`a_uniq/b (fcompile over the primary key ÷ ASOF): ${ratio("a_uniq", "b")} — target ≤ 1.0×`);
  if (byName.a_uniq && byName.a) console.log(`a_uniq/a (primary key ÷ none): ${ratio("a_uniq", "a")}`);
  for (const s of summary.filter((x) => /^[sx]_/.test(x.variant))) {
    if (byName.b) console.log(`${s.variant}/b: ${ratio(s.variant, "b")}`);
    if (byName.c) console.log(`c/${s.variant}: ${ratio("c", s.variant)}`);
  }
  if (verified) {
    console.log(`\nrow-for-row check against ${ref}:`);
    for (const x of verified.mismatches)
      console.log(
        `  ${x.variant}: ${x.onlyInFirst === 0 && x.onlyInOther === 0 ? "identical" : "DIFFERENT"} (rows only in ${ref}: ${x.onlyInFirst}, only in ${x.variant}: ${x.onlyInOther}, rows ${x.rows})`,
      );
    console.log(`  non-NULL values per feature in ${ref}: ${JSON.stringify(verified.stats)}`);
  }
  const result = {
    date: new Date().toISOString(),
    machine: m,
    params,
    repeat,
    summary: summary.map(({ fingerprints, ...s }) => ({ ...s, fingerprints: [...fingerprints] })),
    runs,
    verified,
  };
  mkdirSync(path.join(DATA_DIR, "results"), { recursive: true });
  const out = path.join(DATA_DIR, "results", `${tag}-${Date.now()}.json`);
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`\nraw results: ${path.relative(REPO_DIR, out)}`);
}

/** --ties: on a small dataset full of ties, every variant against fcompile (a) and the reference. */
async function tiesCheck(args) {
  const views = viewsFor(true);
  const dir = path.join(DATA_DIR, "pit-ties");
  const db = await ensureDataset(dir, { generator: GENERATOR_VERSION, ties: true, duckdb: duckdbVersion() }, generateTiesSql(), views);
  const variants = String(
    args.variants === undefined
      ? "a,ref,s_qualify,s_qualify_key,s_lead,s_argmax,s_distinct,s_asof_key,x_asof_fix,x_union,s_nodedup,b,c"
      : args.variants,
  ).split(",");
  const sqls = {};
  for (const v of variants) sqls[v] = await querySql(v, views, dir);
  const stats = await runChild(CHILD, [
    writeJob(dir, "tie-stats", {
      db,
      readOnly: true,
      after: [
        {
          name: "ties",
          sql: `SELECT
            (SELECT count(*) FROM bench.features_a) AS rows_a,
            (SELECT count(*) FROM (SELECT DISTINCT customer_id, ts FROM bench.features_a)) AS key_ts_a,
            (SELECT count(*) FROM (SELECT DISTINCT customer_id, ts, created_ts FROM bench.features_a)) AS key_ts_created_a,
            (SELECT count(*) FROM bench.features_b) AS rows_b,
            (SELECT count(*) FROM (SELECT DISTINCT customer_id, ts FROM bench.features_b)) AS key_ts_b,
            (SELECT count(*) FROM bench.entities) AS entity_rows`,
        },
      ],
    }),
  ]);
  console.log(`ties dataset: ${JSON.stringify(stats.results.ties[0])}`);
  const { mismatches, stats: nn } = await verify(dir, db, variants, sqls, views);
  console.log(`non-NULL values per feature in a: ${JSON.stringify(nn)}`);
  console.log(
    table(
      ["variant", "what", `equal to a (${stats.results.ties[0].entity_rows} rows)`, "rows only in a", "rows only in variant"],
      mismatches.map((x) => [
        x.variant,
        DESCRIPTIONS[x.variant],
        x.onlyInFirst === 0 && x.onlyInOther === 0 ? "yes" : "NO",
        x.onlyInFirst,
        x.onlyInOther,
      ]),
    ),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
