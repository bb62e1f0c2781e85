-- DuckDB, shape `bucket` (bench variant bucket30) — the choice for SPARSE data (few events per
-- key and day; see BENCHMARKS.md, "agg — shapes for windowed aggregations (research)").
--
-- The plain range join (`ON s.customer_id = e.customer_id AND s.ts < T AND s.ts >= T - 30d`) is
-- planned by DuckDB as a hash join on the key alone followed by a filter: it reads every event
-- of the key for every entity row (entity rows × events per key, 100M pairs at 100 events per
-- key) and keeps the few in the window. This shape adds a time bucket to the equality:
--   bucket(x) = epoch_us(x) // B, with B = the widest window (30 days here, in microseconds),
-- each entity row is repeated for the buckets from bucket(T - W) to bucket(T) (2, or 1 when the
-- window does not cross a boundary), and the hash join is on (key, bucket); the exact window
-- condition follows, then one aggregate per feature, FILTER (WHERE ts >= T - w) for the narrower
-- windows, GROUP BY the entity row id, LEFT JOIN back to the entity rows (count: coalesce 0).
--   * exact: direct aggregation of the window's events (float sums are direct summations).
--   * [T - w, T): `s.ts < e.__fc_ts` excludes events at T; `>=` includes the lower edge. Any
--     monotonic bucket function is correct (the window's events lie in the bucket range).
--   * min, max, count_distinct, `last` are ordinary aggregates here (last = arg_max(value,
--     (ts, created NULLs lowest, value)) FILTER (WHERE value IS NOT NULL); not measured).
--   * lifetime windows have no bucket range: compile those features with the plain join (no
--     lower bound) in a second CTE, or use `tiles`.
--   * view filter predicate: in the join's ON.
WITH entity_rows AS (
  SELECT *, row_number() OVER () AS __fc_row_id, CAST(event_timestamp AS TIMESTAMP) AS __fc_ts
  FROM "bench"."entities"
),
pairs AS (
  -- one row per (entity row, bucket its widest window touches)
  SELECT __fc_row_id, customer_id, __fc_ts,
    unnest(range((epoch_us(__fc_ts - INTERVAL '30 days') // 2592000000000), (epoch_us(__fc_ts) // 2592000000000) + 1)) AS __fc_bucket
  FROM entity_rows
),
ev AS (
  SELECT customer_id, ts, (epoch_us(ts) // 2592000000000) AS __fc_bucket, "amount" FROM "bench"."events"
),
agg AS (
  SELECT e.__fc_row_id,
    count(*) FILTER (WHERE s.ts >= e.__fc_ts - INTERVAL '1 days') AS f0,
    sum(s."amount") FILTER (WHERE s.ts >= e.__fc_ts - INTERVAL '1 days') AS f1,
    avg(s."amount") FILTER (WHERE s.ts >= e.__fc_ts - INTERVAL '1 days') AS f2,
    count(*) FILTER (WHERE s.ts >= e.__fc_ts - INTERVAL '7 days') AS f3,
    sum(s."amount") FILTER (WHERE s.ts >= e.__fc_ts - INTERVAL '7 days') AS f4,
    avg(s."amount") FILTER (WHERE s.ts >= e.__fc_ts - INTERVAL '7 days') AS f5,
    count(*) AS f6,
    sum(s."amount") AS f7,
    avg(s."amount") AS f8
  FROM pairs AS e
  JOIN ev AS s
    ON s.customer_id = e.customer_id AND s.__fc_bucket = e.__fc_bucket
   AND s.ts < e.__fc_ts AND s.ts >= e.__fc_ts - INTERVAL '30 days'
  GROUP BY e.__fc_row_id
)
SELECT
  e.* EXCLUDE (__fc_row_id, __fc_ts),
  CAST(coalesce(a.f0, 0) AS BIGINT) AS "count_1d",
  CAST(a.f1 AS DOUBLE) AS "amount_sum_1d",
  CAST(a.f2 AS DOUBLE) AS "amount_avg_1d",
  CAST(coalesce(a.f3, 0) AS BIGINT) AS "count_7d",
  CAST(a.f4 AS DOUBLE) AS "amount_sum_7d",
  CAST(a.f5 AS DOUBLE) AS "amount_avg_7d",
  CAST(coalesce(a.f6, 0) AS BIGINT) AS "count_30d",
  CAST(a.f7 AS DOUBLE) AS "amount_sum_30d",
  CAST(a.f8 AS DOUBLE) AS "amount_avg_30d"
FROM entity_rows AS e
LEFT JOIN agg AS a ON a.__fc_row_id = e.__fc_row_id
ORDER BY e.__fc_row_id;
