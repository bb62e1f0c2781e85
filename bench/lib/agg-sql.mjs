// agg-sql: the hand-written training queries of the `agg` benchmark (windowed aggregations), for
// DuckDB and PostgreSQL. Each shape turns a list of aggregation features into one query whose
// output is the entity rows in input order, their columns unchanged, then one column per feature.
//
// Semantics (the contract the shapes must meet; docs/semantics.md once aggregation views land):
// for an entity row (keys k, timestamp T) a feature with window w aggregates the source events with
// the same keys and T - w <= e.ts < T (lifetime: no lower edge), skipping NULL values. Over no
// events count is 0, the others NULL. Float sums are direct summations (no prefix differences).
//
// A feature is { name, fn: count|sum|avg|min|max|count_distinct, column?: "amount"|"qty", days: n|null }
// (days null = lifetime). Windows are whole days.

const q = (id) => `"${id.replace(/"/g, '""')}"`;

/** The engine differences the shapes need. */
export const DIALECTS = {
  duckdb: {
    name: "duckdb",
    days: (n) => `INTERVAL '${n} days'`,
    ts: (x) => `CAST(${x} AS TIMESTAMP)`,
    day: (x) => `CAST(date_trunc('day', ${x}) AS TIMESTAMP)`,
    intSum: "HUGEINT",
    float: "DOUBLE",
    // entity rows numbered in input order
    entityRows: (entities) => `entity_rows AS (
  SELECT *, row_number() OVER () AS __fc_row_id, CAST(event_timestamp AS TIMESTAMP) AS __fc_ts
  FROM ${entities}
)`,
    entityOut: (alias) => `${alias}.* EXCLUDE (__fc_row_id, __fc_ts)`,
  },
  pg: {
    name: "pg",
    days: (n) => `INTERVAL '${n} days'`,
    ts: (x) => `CAST(${x} AS TIMESTAMP)`,
    day: (x) => `date_trunc('day', ${x})`,
    intSum: "NUMERIC",
    float: "DOUBLE PRECISION",
    // the PostgreSQL entity relation carries its input position as __fc_row_id (as in pit-pg)
    entityRows: (entities) => `entity_rows AS (
  SELECT e.*, CAST(e.event_timestamp AS TIMESTAMP) AS __fc_ts
  FROM ${entities} AS e
)`,
    entityOut: (alias, cols) => cols.map((c) => `${alias}.${q(c)}`).join(", "),
  },
};

/** The feature sets of the benchmark. */
export function featureSet(name) {
  const w = [1, 7, 30];
  const base = w.flatMap((d) => [
    { name: `count_${d}d`, fn: "count", days: d },
    { name: `amount_sum_${d}d`, fn: "sum", column: "amount", days: d },
    { name: `amount_avg_${d}d`, fn: "avg", column: "amount", days: d },
  ]);
  switch (name) {
    case "base":
      return base;
    case "int": // what prefix sums can do: counts and integer sums
      return w.flatMap((d) => [
        { name: `count_${d}d`, fn: "count", days: d },
        { name: `qty_sum_${d}d`, fn: "sum", column: "qty", days: d },
      ]);
    case "minmax": // base + min and max, which prefix sums cannot do
      return [
        ...base,
        { name: "amount_min_30d", fn: "min", column: "amount", days: 30 },
        { name: "amount_max_7d", fn: "max", column: "amount", days: 7 },
      ];
    case "distinct": // base + count_distinct, which neither prefix sums nor tiles can do
      return [...base, { name: "qty_count_distinct_30d", fn: "count_distinct", column: "qty", days: 30 }];
    case "edges": // every function but count_distinct (see distinct), every window kind (for the small exactness check)
      return [
        ...base,
        { name: "count_lifetime", fn: "count", days: null },
        { name: "amount_count_7d", fn: "count", column: "amount", days: 7 },
        { name: "qty_sum_7d", fn: "sum", column: "qty", days: 7 },
        { name: "qty_sum_lifetime", fn: "sum", column: "qty", days: null },
        { name: "amount_sum_lifetime", fn: "sum", column: "amount", days: null },
        { name: "amount_min_30d", fn: "min", column: "amount", days: 30 },
        { name: "amount_max_1d", fn: "max", column: "amount", days: 1 },
        { name: "qty_max_lifetime", fn: "max", column: "qty", days: null },
      ];
    default:
      throw new Error(`unknown feature set ${name}; known: base, int, minmax, distinct, edges`);
  }
}

/** Column types (float features are compared within tolerance, the others exactly). */
export const isFloat = (f) =>
  (f.fn === "sum" && f.column === "amount") || f.fn === "avg" || ((f.fn === "min" || f.fn === "max") && f.column === "amount");

const maxDays = (features) => (features.some((f) => f.days === null) ? null : Math.max(...features.map((f) => f.days)));
const windowCond = (d, f, ts, T) => (f.days === null ? null : `${ts} >= ${T} - ${d.days(f.days)}`);

/** The aggregate of one feature over rows `s` (an alias) restricted by `cond` (SQL or null). */
function aggExpr(f, s, cond) {
  const filter = cond ? ` FILTER (WHERE ${cond})` : "";
  const col = f.column ? `${s}.${q(f.column)}` : null;
  switch (f.fn) {
    case "count":
      return col ? `count(${col})${filter}` : `count(*)${filter}`;
    case "count_distinct":
      return `count(DISTINCT ${col})${filter}`;
    default:
      return `${f.fn}(${col})${filter}`;
  }
}

/** A feature's output cast: counts BIGINT, integer sums HUGEINT/NUMERIC, float results DOUBLE. */
function outCast(d, f, expr) {
  if (f.fn === "count" || f.fn === "count_distinct") return `CAST(coalesce(${expr}, 0) AS BIGINT)`;
  if (f.fn === "sum" && f.column === "qty") return `CAST(${expr} AS ${d.intSum})`;
  if (f.column === "qty") return `CAST(${expr} AS BIGINT)`;
  return `CAST(${expr} AS ${d.float})`;
}

function finalSelect(d, ctx, exprs, from) {
  return `SELECT
  ${d.entityOut("e", ctx.entityCols)},
  ${exprs.map((x, i) => `${x} AS ${q(ctx.features[i].name)}`).join(",\n  ")}
${from}
ORDER BY e.__fc_row_id`;
}

/**
 * `join`: range join of the entity rows to the events on key and [T - max window, T), then one
 * aggregate per feature with FILTER (WHERE ts >= T - w) (none for the widest window), GROUP BY
 * the entity row id, joined back to the entity rows.
 */
export function joinSql(d, ctx) {
  const { features, events } = ctx;
  const W = maxDays(features);
  const aggs = features.map(
    (f) => `${aggExpr(f, "s", f.days === W ? null : windowCond(d, f, "s.ts", "e.__fc_ts"))} AS f${features.indexOf(f)}`,
  );
  return `WITH ${d.entityRows(ctx.entities)},
agg AS (
  SELECT e.__fc_row_id,
    ${aggs.join(",\n    ")}
  FROM entity_rows AS e
  JOIN ${events} AS s
    ON s.customer_id = e.customer_id AND s.ts < e.__fc_ts${W === null ? "" : ` AND s.ts >= e.__fc_ts - ${d.days(W)}`}
  GROUP BY e.__fc_row_id
)
${finalSelect(
  d,
  ctx,
  features.map((f, i) => outCast(d, f, `a.f${i}`)),
  `FROM entity_rows AS e\nLEFT JOIN agg AS a ON a.__fc_row_id = e.__fc_row_id`,
)}`;
}

/**
 * `ref`: one correlated scalar subquery per feature — the contract read literally (small data only).
 */
export function refSql(d, ctx) {
  const { features, events } = ctx;
  const exprs = features.map(
    (f) =>
      `(SELECT ${aggExpr(f, "s", null)} FROM ${events} AS s WHERE s.customer_id = e.customer_id AND s.ts < e.__fc_ts${
        f.days === null ? "" : ` AND s.ts >= e.__fc_ts - ${d.days(f.days)}`
      })`,
  );
  return `WITH ${d.entityRows(ctx.entities)}
${finalSelect(
  d,
  ctx,
  features.map((f, i) => outCast(d, f, exprs[i])),
  "FROM entity_rows AS e",
)}`;
}

/**
 * `window`: entity rows and events in one relation, per key ordered by ts; each feature is a
 * window aggregate over RANGE BETWEEN w PRECEDING AND 1 microsecond PRECEDING (TIMESTAMP has
 * microsecond resolution, so this is exactly [T - w, T)); entity rows carry NULL in every
 * aggregated column (and __fc_ev, the event marker count(*) becomes count(__fc_ev)), so they
 * contribute nothing; then only the entity rows are kept and joined back for their columns.
 */
export function windowSql(d, ctx) {
  const { features, events } = ctx;
  const cols = [...new Set(features.map((f) => f.column).filter(Boolean))];
  const frame = (f) =>
    `PARTITION BY customer_id ORDER BY __t RANGE BETWEEN ${f.days === null ? "UNBOUNDED" : d.days(f.days)} PRECEDING AND INTERVAL '1 microsecond' PRECEDING`;
  const winAgg = (f) => {
    if (f.fn === "count_distinct" && d.name === "pg") throw new Error("PostgreSQL has no DISTINCT in window aggregates");
    const arg = f.column ? q(f.column) : "__fc_ev";
    const fn = f.fn === "count_distinct" ? "count(DISTINCT " : `${f.fn === "count" ? "count" : f.fn}(`;
    return `${fn}${arg}) OVER (${frame(f)})`;
  };
  return `WITH ${d.entityRows(ctx.entities)},
u AS (
  SELECT customer_id, __fc_ts AS __t, __fc_row_id, CAST(NULL AS INTEGER) AS __fc_ev${cols
    .map((c) => `, CAST(NULL AS ${c === "qty" ? "BIGINT" : d.float}) AS ${q(c)}`)
    .join("")}
  FROM entity_rows
  UNION ALL
  SELECT customer_id, ts, NULL, 1${cols.map((c) => `, ${q(c)}`).join("")}
  FROM ${events}
),
w AS (
  SELECT * FROM (
    SELECT __fc_row_id,
      ${features.map((f, i) => `${winAgg(f)} AS f${i}`).join(",\n      ")}
    FROM u
  ) AS x
  WHERE __fc_row_id IS NOT NULL
)
${finalSelect(
  d,
  ctx,
  features.map((f, i) => outCast(d, f, `w.f${i}`)),
  `FROM entity_rows AS e\nJOIN w ON w.__fc_row_id = e.__fc_row_id`,
)}`;
}

/**
 * `tiles`: daily tiles (per key and UTC day: count, count(col), sum, min, max) for the complete
 * days of each window, plus the raw events of its two partial days. With D = the day of T, a
 * window of w whole days [T - w, T) is
 *   tiles of the days D - w + 1 … D - 1   (complete days; none for w = 1)
 * + events of day D with ts < T            (the same edge for every window)
 * + events of day D - w with ts >= T - w   (the lower edge; the whole day when T is at midnight).
 * The edges are one hash join of (entity row, edge day) pairs to the events on (key, day).
 * Float sums stay direct summations (a tile's sum, then a handful of tile sums). count_distinct
 * does not combine across tiles.
 */
export function tilesSql(d, ctx) {
  const { features, events } = ctx;
  if (features.some((f) => f.fn === "count_distinct")) throw new Error("tiles: count_distinct does not combine across tiles");
  const W = maxDays(features);
  const cols = [...new Set(features.map((f) => f.column).filter(Boolean))];
  const windows = [...new Set(features.map((f) => f.days))];
  const tileCols = [
    "count(*) AS n",
    ...cols.flatMap((c) => [`count(${q(c)}) AS ${q(`n_${c}`)}`, `sum(${q(c)}) AS ${q(`s_${c}`)}`]),
    ...features.filter((f) => f.fn === "min" || f.fn === "max").map((f) => `${f.fn}(${q(f.column)}) AS ${q(`${f.fn}_${f.column}`)}`),
  ];
  const uniq = (xs) => [...new Set(xs)];
  // combine: for a feature, its partial in tiles (alias t) and in the edge events (alias v)
  const tileAgg = (f, cond) => {
    const filter = cond ? ` FILTER (WHERE ${cond})` : "";
    switch (f.fn) {
      case "count":
        return f.column ? `sum(t.${q(`n_${f.column}`)})${filter}` : `sum(t.n)${filter}`;
      case "sum":
        return `sum(t.${q(`s_${f.column}`)})${filter}`;
      case "avg":
        return null; // from sum and count
      default:
        return `${f.fn}(t.${q(`${f.fn}_${f.column}`)})${filter}`;
    }
  };
  // tile-side and edge-side partials, named per feature: a feature needs (cnt, sum) for avg
  const needs = (f) =>
    f.fn === "avg"
      ? [
          { ...f, fn: "sum" },
          { ...f, fn: "count" },
        ]
      : [f];
  const partials = uniq(features.flatMap(needs).map((f) => JSON.stringify({ fn: f.fn, column: f.column ?? null, days: f.days })))
    .map((s) => JSON.parse(s))
    .map((p, i) => ({ ...p, id: `p${i}` }));
  const pid = (f) => partials.find((p) => p.fn === f.fn && p.column === (f.column ?? null) && p.days === f.days).id;
  const tileLo = (p) => (p.days === null ? null : `t.day >= e.__fc_day - ${d.days(p.days - 1)}`);
  const tileSelect = partials.map((p) => `${tileAgg(p, W !== null && p.days === W ? null : tileLo(p))} AS ${p.id}`);
  const edgeCond = (p) => (p.days === null ? "g.w = 0" : `g.w IN (0, ${p.days})`);
  const edgeSelect = partials.map((p) => `${aggExpr(p, "v", edgeCond(p))} AS ${p.id}`);
  const combine = (p) => {
    if (p.fn === "count") return `coalesce(t.${p.id}, 0) + coalesce(g.${p.id}, 0)`;
    if (p.fn === "sum")
      return `CASE WHEN t.${p.id} IS NULL THEN g.${p.id} WHEN g.${p.id} IS NULL THEN t.${p.id} ELSE t.${p.id} + g.${p.id} END`;
    return `${p.fn === "min" ? "least" : "greatest"}(t.${p.id}, g.${p.id})`; // least/greatest skip NULLs in both engines
  };
  const featureExpr = (f) => {
    if (f.fn !== "avg") return combine(partials.find((p) => p.id === pid(f)));
    const s = combine(partials.find((p) => p.id === pid({ ...f, fn: "sum" })));
    const n = combine(partials.find((p) => p.id === pid({ ...f, fn: "count" })));
    return `(${s}) / CAST(NULLIF(${n}, 0) AS ${d.float})`;
  };
  const edgeDays = uniq(windows.filter((w) => w !== null));
  return `WITH ${d.entityRows(ctx.entities)},
ed AS (
  SELECT __fc_row_id, customer_id, __fc_ts, ${d.day("__fc_ts")} AS __fc_day FROM entity_rows
),
ev AS (
  SELECT customer_id, ts, ${d.day("ts")} AS day${cols.map((c) => `, ${q(c)}`).join("")} FROM ${events}
),
tiles AS (
  SELECT customer_id, day, ${tileCols.join(", ")}
  FROM ev
  GROUP BY customer_id, day
),
tile_agg AS (
  SELECT e.__fc_row_id,
    ${tileSelect.join(",\n    ")}
  FROM ed AS e
  JOIN tiles AS t
    ON t.customer_id = e.customer_id AND t.day < e.__fc_day${W === null ? "" : ` AND t.day >= e.__fc_day - ${d.days(W - 1)}`}
  GROUP BY e.__fc_row_id
),
edge_days AS (
  -- (entity row, edge day): w = 0 is the day of T (events before T), w > 0 the day of T - w
  SELECT e.__fc_row_id, e.customer_id, e.__fc_ts, x.w, e.__fc_day - x.w * INTERVAL '1 day' AS day
  FROM ed AS e CROSS JOIN (VALUES ${[0, ...edgeDays].map((w) => `(${w})`).join(", ")}) AS x(w)
),
edge_agg AS (
  SELECT g.__fc_row_id,
    ${edgeSelect.join(",\n    ")}
  FROM edge_days AS g
  JOIN ev AS v
    ON v.customer_id = g.customer_id AND v.day = g.day
   AND ((g.w = 0 AND v.ts < g.__fc_ts) OR (g.w > 0 AND v.ts >= g.__fc_ts - g.w * INTERVAL '1 day'))
  GROUP BY g.__fc_row_id
)
${finalSelect(
  d,
  ctx,
  features.map((f) => outCast(d, f, featureExpr(f))),
  `FROM entity_rows AS e\nLEFT JOIN tile_agg AS t ON t.__fc_row_id = e.__fc_row_id\nLEFT JOIN edge_agg AS g ON g.__fc_row_id = e.__fc_row_id`,
)}`;
}

/**
 * `prefix` (DuckDB): counts and integer sums from per-key running totals read at T and at T - w
 * by ASOF joins (value before T minus value before T - w: exact in BIGINT/HUGEINT). Running
 * totals are per (key, ts) group, so events at equal ts enter together, and the strict `>` of the
 * ASOF join leaves the events at T (and at T - w, for the subtracted total) out. Float sums,
 * min, max and count_distinct cannot come from differences; `rest` says how they are computed:
 * "window" (the `window` shape, for just those features; avg = its window sum ÷ the prefix count)
 * or null (the shape refuses them).
 */
export function prefixSql(d, ctx, rest = null) {
  if (d.name !== "duckdb") throw new Error("prefix: DuckDB only (ASOF joins)");
  const { features, events } = ctx;
  const prefixable = (f) => f.fn === "count" || (f.fn === "sum" && f.column === "qty");
  // the running totals the features need: n (events), n_<col> (non-NULL values), s_qty (int sum)
  const totals = new Set();
  const windowFeatures = [];
  for (const f of features) {
    if (prefixable(f)) {
      totals.add(f.column ? `n_${f.column}` : "n");
      if (f.fn === "sum") totals.add(`s_${f.column}`);
    } else if (f.fn === "avg") {
      totals.add(`n_${f.column}`);
      windowFeatures.push({ ...f, fn: "sum" });
    } else windowFeatures.push(f);
  }
  // one window aggregate per (fn, column, window): avg reuses the sum of the same window
  const key = (f) => `${f.fn}:${f.column ?? ""}:${f.days}`;
  const wf = [...new Map(windowFeatures.map((f) => [key(f), { ...f, name: key(f) }])).values()];
  const wIndex = (f) => wf.findIndex((x) => x.name === key(f));
  if (windowFeatures.length > 0 && rest !== "window")
    throw new Error(`prefix: ${windowFeatures.map((f) => f.name).join(", ")} cannot come from prefix sums`);
  const totalExpr = (t) => (t === "n" ? "count(*)" : t.startsWith("n_") ? `count(${q(t.slice(2))})` : `sum(${q(t.slice(2))})`);
  const windows = [...new Set(features.map((f) => f.days).filter((x) => x !== null))];
  const at = (w) => (w === 0 ? "p0" : `p${w}`);
  const diff = (t, w) => (w === null ? `coalesce(p0.${t}, 0)` : `coalesce(p0.${t}, 0) - coalesce(${at(w)}.${t}, 0)`);
  const exprs = features.map((f) => {
    if (f.fn === "count") return diff(f.column ? `n_${f.column}` : "n", f.days);
    if (prefixable(f)) return `CASE WHEN ${diff(`n_${f.column}`, f.days)} = 0 THEN NULL ELSE ${diff(`s_${f.column}`, f.days)} END`;
    if (f.fn === "avg") return `w.f${wIndex({ ...f, fn: "sum" })} / CAST(NULLIF(${diff(`n_${f.column}`, f.days)}, 0) AS DOUBLE)`;
    return `w.f${wIndex(f)}`;
  });
  const winCtes = wf.length ? windowCtes(d, { ...ctx, features: wf }) : "";
  return `WITH ${d.entityRows(ctx.entities)},
lo AS (
  SELECT *${windows.map((w) => `, __fc_ts - ${d.days(w)} AS __fc_lo${w}`).join("")} FROM entity_rows
),
pre AS (
  -- running totals per key, one row per (key, ts)
  SELECT customer_id, ts AS __t,
    ${[...totals].map((t) => `sum(${totalExpr(t)}) OVER (PARTITION BY customer_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS ${t}`).join(",\n    ")}
  FROM ${events}
  GROUP BY customer_id, ts
)${winCtes}
${finalSelect(
  d,
  ctx,
  features.map((f, i) => outCast(d, f, exprs[i])),
  `FROM lo AS e
ASOF LEFT JOIN pre AS p0 ON p0.customer_id = e.customer_id AND e.__fc_ts > p0.__t
${windows.map((w) => `ASOF LEFT JOIN pre AS ${at(w)} ON ${at(w)}.customer_id = e.customer_id AND e.__fc_lo${w} > ${at(w)}.__t`).join("\n")}${
    windowFeatures.length ? "\nLEFT JOIN w ON w.__fc_row_id = e.__fc_row_id" : ""
  }`,
).replace("e.* EXCLUDE (__fc_row_id, __fc_ts)", `e.* EXCLUDE (__fc_row_id, __fc_ts${windows.map((w) => `, __fc_lo${w}`).join("")})`)}`;
}

/** The CTEs u and w of the `window` shape (without the entity_rows CTE and the final select), for reuse. */
function windowCtes(d, ctx) {
  const sql = windowSql(d, ctx);
  const start = sql.indexOf("\nu AS (");
  const end = sql.indexOf("\nSELECT\n", start);
  return `,${sql.slice(start, end)}`;
}

/**
 * `bucket<B>`: the `join` shape with an equality on a time bucket as well as on the key, so the
 * hash join matches each entity row only with the events of the buckets its widest window
 * touches instead of every event of its key (a hash join on the key alone, then a range filter,
 * reads entity rows × events per key). Buckets are B days long, numbered from the epoch
 * (ts // B days). Each entity row is repeated once per bucket from bucket(T - W) to bucket(T)
 * (⌈W / B⌉ + 1 at most), joined to the events on (key, bucket), then filtered to [T - W, T) and
 * aggregated exactly as `join` (FILTER per narrower window). Every aggregate stays direct, so
 * min, max, count_distinct and last work as in `join`. Lifetime windows have no bucket range.
 */
export function bucketSql(d, ctx, days) {
  const { features, events } = ctx;
  const W = maxDays(features);
  if (W === null) throw new Error("bucket: a lifetime window has no bucket range (use join)");
  const us = days * 86400 * 1_000_000;
  const bucket = (x) =>
    d.name === "duckdb" ? `(epoch_us(${x}) // ${us})` : `CAST(floor(extract(epoch FROM ${x}) * 1000000 / ${us}) AS BIGINT)`;
  const series = (lo, hi) => (d.name === "duckdb" ? `unnest(range(${lo}, ${hi} + 1))` : `generate_series(${lo}, ${hi})`);
  const aggs = features.map((f, i) => `${aggExpr(f, "s", f.days === W ? null : windowCond(d, f, "s.ts", "e.__fc_ts"))} AS f${i}`);
  const cols = [...new Set(features.map((f) => f.column).filter(Boolean))];
  return `WITH ${d.entityRows(ctx.entities)},
pairs AS (
  -- one row per (entity row, bucket its widest window touches)
  SELECT __fc_row_id, customer_id, __fc_ts,
    ${series(bucket(`__fc_ts - ${d.days(W)}`), bucket("__fc_ts"))} AS __fc_bucket
  FROM entity_rows
),
ev AS (
  SELECT customer_id, ts, ${bucket("ts")} AS __fc_bucket${cols.map((c) => `, ${q(c)}`).join("")} FROM ${events}
),
agg AS (
  SELECT e.__fc_row_id,
    ${aggs.join(",\n    ")}
  FROM pairs AS e
  JOIN ev AS s
    ON s.customer_id = e.customer_id AND s.__fc_bucket = e.__fc_bucket
   AND s.ts < e.__fc_ts AND s.ts >= e.__fc_ts - ${d.days(W)}
  GROUP BY e.__fc_row_id
)
${finalSelect(
  d,
  ctx,
  features.map((f, i) => outCast(d, f, `a.f${i}`)),
  `FROM entity_rows AS e\nLEFT JOIN agg AS a ON a.__fc_row_id = e.__fc_row_id`,
)}`;
}
