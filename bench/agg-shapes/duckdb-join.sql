-- DuckDB, shape `join` — the winner on SPARSE data (bench: 100 events per key over a year, ≈ 8
-- per key in the 30-day window; 10M events × 1M entity rows: 8.4 s vs 13.5 s for tiles).
--
-- One range join of the entity rows to the events on key and [T - widest window, T), then one
-- aggregate per feature; narrower windows are a FILTER (WHERE ts >= T - w) on the same joined rows
-- (the widest window needs none). GROUP BY the entity row id; LEFT JOIN back to the entity rows,
-- so rows without events get count 0 (coalesce) and NULL for the other functions.
--   * exact: every aggregate is a direct aggregation of the window's events; float sums are
--     direct summations (order differs between runs only by normal rounding).
--   * events at T are excluded by `s.ts < e.__fc_ts`; the lower edge is included (`>=`).
--   * lifetime windows: drop the lower bound of the join (and of the FILTER).
--   * min, max, count_distinct, last: just other aggregates in the same GROUP BY (measured:
--     BENCHMARKS.md); `last` = arg_max(value, struct(ts, created NULLs lowest, value)) FILTER
--     (WHERE value IS NOT NULL) — not measured here.
--   * a filter predicate of the view goes into the join's ON (or each aggregate's FILTER).
-- Cost ∝ entity rows × events per key in the widest window (the join's fan-out).
WITH entity_rows AS (
  SELECT *, row_number() OVER () AS __fc_row_id, CAST(event_timestamp AS TIMESTAMP) AS __fc_ts
  FROM "bench"."entities"
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
  FROM entity_rows AS e
  JOIN "bench"."events" AS s
    ON s.customer_id = e.customer_id AND s.ts < e.__fc_ts AND s.ts >= e.__fc_ts - INTERVAL '30 days'
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
