-- PostgreSQL, shape `tiles` — for a table source with NO usable index on (key, ts), dense data.
-- The same query as bench/agg-shapes/duckdb-tiles.sql (read its header), in PostgreSQL's dialect:
-- date_trunc('day', ts) is a timestamp already; entity rows carry __fc_row_id (input position).
-- Without an index PostgreSQL hash-joins the range join on the key alone (entity rows × events
-- per key, filtered), so the tiles' reduction pays from a few events per key and day.
WITH entity_rows AS (
  SELECT e.*, CAST(e.event_timestamp AS TIMESTAMP) AS __fc_ts
  FROM "fcbench_agg"."entities" AS e
),
ed AS (
  SELECT __fc_row_id, customer_id, __fc_ts, date_trunc('day', __fc_ts) AS __fc_day FROM entity_rows
),
ev AS (
  SELECT customer_id, ts, date_trunc('day', ts) AS day, "amount" FROM "fcbench_agg"."events"
),
tiles AS (
  SELECT customer_id, day, count(*) AS n, count("amount") AS "n_amount", sum("amount") AS "s_amount"
  FROM ev
  GROUP BY customer_id, day
),
tile_agg AS (
  SELECT e.__fc_row_id,
    sum(t.n) FILTER (WHERE t.day >= e.__fc_day - INTERVAL '0 days') AS p0,
    sum(t."s_amount") FILTER (WHERE t.day >= e.__fc_day - INTERVAL '0 days') AS p1,
    sum(t."n_amount") FILTER (WHERE t.day >= e.__fc_day - INTERVAL '0 days') AS p2,
    sum(t.n) FILTER (WHERE t.day >= e.__fc_day - INTERVAL '6 days') AS p3,
    sum(t."s_amount") FILTER (WHERE t.day >= e.__fc_day - INTERVAL '6 days') AS p4,
    sum(t."n_amount") FILTER (WHERE t.day >= e.__fc_day - INTERVAL '6 days') AS p5,
    sum(t.n) AS p6,
    sum(t."s_amount") AS p7,
    sum(t."n_amount") AS p8
  FROM ed AS e
  JOIN tiles AS t
    ON t.customer_id = e.customer_id AND t.day < e.__fc_day AND t.day >= e.__fc_day - INTERVAL '29 days'
  GROUP BY e.__fc_row_id
),
edge_days AS (
  -- (entity row, edge day): w = 0 is the day of T (events before T), w > 0 the day of T - w
  SELECT e.__fc_row_id, e.customer_id, e.__fc_ts, x.w, e.__fc_day - x.w * INTERVAL '1 day' AS day
  FROM ed AS e CROSS JOIN (VALUES (0), (1), (7), (30)) AS x(w)
),
edge_agg AS (
  SELECT g.__fc_row_id,
    count(*) FILTER (WHERE g.w IN (0, 1)) AS p0,
    sum(v."amount") FILTER (WHERE g.w IN (0, 1)) AS p1,
    count(v."amount") FILTER (WHERE g.w IN (0, 1)) AS p2,
    count(*) FILTER (WHERE g.w IN (0, 7)) AS p3,
    sum(v."amount") FILTER (WHERE g.w IN (0, 7)) AS p4,
    count(v."amount") FILTER (WHERE g.w IN (0, 7)) AS p5,
    count(*) FILTER (WHERE g.w IN (0, 30)) AS p6,
    sum(v."amount") FILTER (WHERE g.w IN (0, 30)) AS p7,
    count(v."amount") FILTER (WHERE g.w IN (0, 30)) AS p8
  FROM edge_days AS g
  JOIN ev AS v
    ON v.customer_id = g.customer_id AND v.day = g.day
   AND ((g.w = 0 AND v.ts < g.__fc_ts) OR (g.w > 0 AND v.ts >= g.__fc_ts - g.w * INTERVAL '1 day'))
  GROUP BY g.__fc_row_id
)
SELECT
  e."customer_id", e."event_timestamp", e."label", e."__fc_row_id",
  CAST(coalesce(coalesce(t.p0, 0) + coalesce(g.p0, 0), 0) AS BIGINT) AS "count_1d",
  CAST(CASE WHEN t.p1 IS NULL THEN g.p1 WHEN g.p1 IS NULL THEN t.p1 ELSE t.p1 + g.p1 END AS DOUBLE PRECISION) AS "amount_sum_1d",
  CAST((CASE WHEN t.p1 IS NULL THEN g.p1 WHEN g.p1 IS NULL THEN t.p1 ELSE t.p1 + g.p1 END) / CAST(NULLIF(coalesce(t.p2, 0) + coalesce(g.p2, 0), 0) AS DOUBLE PRECISION) AS DOUBLE PRECISION) AS "amount_avg_1d",
  CAST(coalesce(coalesce(t.p3, 0) + coalesce(g.p3, 0), 0) AS BIGINT) AS "count_7d",
  CAST(CASE WHEN t.p4 IS NULL THEN g.p4 WHEN g.p4 IS NULL THEN t.p4 ELSE t.p4 + g.p4 END AS DOUBLE PRECISION) AS "amount_sum_7d",
  CAST((CASE WHEN t.p4 IS NULL THEN g.p4 WHEN g.p4 IS NULL THEN t.p4 ELSE t.p4 + g.p4 END) / CAST(NULLIF(coalesce(t.p5, 0) + coalesce(g.p5, 0), 0) AS DOUBLE PRECISION) AS DOUBLE PRECISION) AS "amount_avg_7d",
  CAST(coalesce(coalesce(t.p6, 0) + coalesce(g.p6, 0), 0) AS BIGINT) AS "count_30d",
  CAST(CASE WHEN t.p7 IS NULL THEN g.p7 WHEN g.p7 IS NULL THEN t.p7 ELSE t.p7 + g.p7 END AS DOUBLE PRECISION) AS "amount_sum_30d",
  CAST((CASE WHEN t.p7 IS NULL THEN g.p7 WHEN g.p7 IS NULL THEN t.p7 ELSE t.p7 + g.p7 END) / CAST(NULLIF(coalesce(t.p8, 0) + coalesce(g.p8, 0), 0) AS DOUBLE PRECISION) AS DOUBLE PRECISION) AS "amount_avg_30d"
FROM entity_rows AS e
LEFT JOIN tile_agg AS t ON t.__fc_row_id = e.__fc_row_id
LEFT JOIN edge_agg AS g ON g.__fc_row_id = e.__fc_row_id
ORDER BY e.__fc_row_id;
