-- fcompile point-in-time training query (service driver_ranking; entity rows from fc_entity_rows, timestamp column event_timestamp), PostgreSQL.
-- For each entity row: the latest row of each feature view at or before its timestamp (within
-- the view's ttl), ties broken by the created timestamp. One output row per entity row, in input
-- order: the entity rows carry their input position in "__fc_row_id". Run with SET TimeZone = 'UTC'.
-- Each view has a shape (docs/training.md): a LEFT JOIN LATERAL lookup over the index on its
-- (join keys, timestamp) — see target/compiled/postgres/index-advice.sql — or, when `train` finds
-- no such index, a sort-merge that needs none. Names such as "__fc_entity_ts" are chosen not to
-- equal any column of the entity rows or views.
WITH "entity_rows" AS (
  SELECT "e".*, CAST("e"."event_timestamp" AS TIMESTAMP) AS "__fc_entity_ts"
  FROM fc_entity_rows AS "e"
)
SELECT
  "entity_rows".*,
  "v1"."conv_rate" AS "conv_rate",
  "v1"."acc_rate" AS "acc_rate",
  "v1"."trips_today" AS "trips_today"
FROM "entity_rows" AS "entity_rows"
LEFT JOIN LATERAL (
  -- feature view driver_stats (ttl 1d), lookup (index assumed on "drivers"."source__driver_hourly_stats" (driver_id, event_timestamp)): the rows at the greatest timestamp in range
  -- (WITH TIES: one backward index-only scan that stops after them), then the tie-break among them
  SELECT CAST("conv_rate" AS DOUBLE PRECISION) AS "conv_rate", CAST("acc_rate" AS DOUBLE PRECISION) AS "acc_rate", CAST("trips_today" AS BIGINT) AS "trips_today"
  FROM (
    SELECT "r"."created", "r"."conv_rate", "r"."acc_rate", "r"."trips_today"
    FROM "drivers"."source__driver_hourly_stats" AS "r"
    WHERE "r"."driver_id" = "entity_rows"."driver_id"
      AND "r"."event_timestamp" <= "entity_rows"."__fc_entity_ts"
      AND "r"."event_timestamp" >= "entity_rows"."__fc_entity_ts" - INTERVAL '1 day'
    ORDER BY "r"."event_timestamp" DESC
    FETCH FIRST 1 ROW WITH TIES
  ) AS "r"
  ORDER BY "created" DESC NULLS LAST, CAST("conv_rate" AS DOUBLE PRECISION) DESC NULLS LAST, CAST("acc_rate" AS DOUBLE PRECISION) DESC NULLS LAST, CAST("trips_today" AS BIGINT) DESC NULLS LAST
  LIMIT 1
) AS "v1" ON TRUE
ORDER BY "entity_rows"."__fc_row_id"
