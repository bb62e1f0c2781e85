-- PostgreSQL, shape `lateral_split` — the choice when the events table has an index on
-- (keys, ts) INCLUDE (the aggregated columns), sparse or dense (BENCHMARKS.md, "agg — shapes for
-- windowed aggregations (research)"). The index the benchmark builds (what fcompile's index
-- advice should print for an aggregation view):
--   CREATE INDEX ON fcbench_agg.events (customer_id, ts) INCLUDE (amount, qty);
--
-- One CROSS JOIN LATERAL per distinct window; each is an aggregate without GROUP BY (so it always
-- returns one row: count 0 / NULL over no events, no LEFT JOIN needed) over the index range
--   customer_id = k AND ts >= T - w AND ts < T
-- read by an index-only scan: each window reads exactly its own events, with no FILTER. One
-- LATERAL over the widest range with FILTER (WHERE ts >= T - w) per narrower window reads fewer
-- index tuples but evaluates every aggregate on every tuple of the widest window: 2.2× slower on
-- dense data, equal on sparse.
--   * exact: direct aggregation (sum/avg of float8 are direct summations in index order).
--   * events at T are excluded (`s.ts < e.__fc_ts`), the lower edge is included (`>=`).
--   * lifetime: no lower bound. min, max, count(DISTINCT …) are ordinary aggregates in the
--     window's LATERAL (measured: BENCHMARKS.md); `last`: ORDER BY ts DESC, created DESC NULLS
--     LAST, value DESC LIMIT 1 over the same range, WHERE value IS NOT NULL.
--   * view filter predicate: in each LATERAL's WHERE (the index scan then filters).
--   * __fc_row_id is the entity relation's input position (as in fcompile's PostgreSQL training
--     query); ORDER BY it gives the input order.
WITH entity_rows AS (
  SELECT e.*, CAST(e.event_timestamp AS TIMESTAMP) AS __fc_ts
  FROM "fcbench_agg"."entities" AS e
)
SELECT
  e."customer_id", e."event_timestamp", e."label", e."__fc_row_id",
  CAST(a0.f0_0 AS BIGINT) AS "count_1d",
  CAST(a0.f0_1 AS DOUBLE PRECISION) AS "amount_sum_1d",
  CAST(a0.f0_2 AS DOUBLE PRECISION) AS "amount_avg_1d",
  CAST(a1.f1_0 AS BIGINT) AS "count_7d",
  CAST(a1.f1_1 AS DOUBLE PRECISION) AS "amount_sum_7d",
  CAST(a1.f1_2 AS DOUBLE PRECISION) AS "amount_avg_7d",
  CAST(a2.f2_0 AS BIGINT) AS "count_30d",
  CAST(a2.f2_1 AS DOUBLE PRECISION) AS "amount_sum_30d",
  CAST(a2.f2_2 AS DOUBLE PRECISION) AS "amount_avg_30d"
FROM entity_rows AS e
CROSS JOIN LATERAL (
  SELECT count(*) AS f0_0,
    sum(s."amount") AS f0_1,
    avg(s."amount") AS f0_2
  FROM "fcbench_agg"."events" AS s
  WHERE s.customer_id = e.customer_id AND s.ts < e.__fc_ts AND s.ts >= e.__fc_ts - INTERVAL '1 days'
) AS a0
CROSS JOIN LATERAL (
  SELECT count(*) AS f1_0,
    sum(s."amount") AS f1_1,
    avg(s."amount") AS f1_2
  FROM "fcbench_agg"."events" AS s
  WHERE s.customer_id = e.customer_id AND s.ts < e.__fc_ts AND s.ts >= e.__fc_ts - INTERVAL '7 days'
) AS a1
CROSS JOIN LATERAL (
  SELECT count(*) AS f2_0,
    sum(s."amount") AS f2_1,
    avg(s."amount") AS f2_2
  FROM "fcbench_agg"."events" AS s
  WHERE s.customer_id = e.customer_id AND s.ts < e.__fc_ts AND s.ts >= e.__fc_ts - INTERVAL '30 days'
) AS a2
ORDER BY e.__fc_row_id
;
