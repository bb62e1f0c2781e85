-- fcompile point-in-time training query (service driver_ranking; entity rows from fc_entity_rows, timestamp column event_timestamp), DuckDB.
-- For each entity row: the latest row of each feature view at or before its timestamp
-- (within the view's ttl), ties broken by the created timestamp. One output row per entity
-- row, in input order. Run with SET TimeZone = 'UTC' (timestamps without a zone are UTC).
-- Names such as "__fc_row_id" are chosen not to equal any column of the entity rows or views.
WITH "entity_rows" AS (
  -- the entity rows, numbered in input order
  SELECT
    *,
    row_number() OVER () AS "__fc_row_id",
    CAST("event_timestamp" AS TIMESTAMP) AS "__fc_entity_ts"
  FROM fc_entity_rows
),
"driver_stats__rows" AS (
  -- feature view driver_stats (ttl 1d): one row per (driver_id, timestamp), the latest created
  SELECT
    "driver_id",
    CAST("event_timestamp" AS TIMESTAMP) AS "__fc_ts",
    CAST("conv_rate" AS DOUBLE) AS "conv_rate",
    CAST("acc_rate" AS DOUBLE) AS "acc_rate",
    CAST("trips_today" AS BIGINT) AS "trips_today"
  FROM "drivers"."source__driver_hourly_stats"
  WHERE "event_timestamp" IS NOT NULL
  -- keep the last row of each run of equal timestamps, in tie-break order
  QUALIFY lead(CAST("event_timestamp" AS TIMESTAMP)) OVER (
    PARTITION BY "driver_id"
    ORDER BY CAST("event_timestamp" AS TIMESTAMP), "created" ASC NULLS FIRST, CAST("conv_rate" AS DOUBLE) ASC NULLS FIRST, CAST("acc_rate" AS DOUBLE) ASC NULLS FIRST, CAST("trips_today" AS BIGINT) ASC NULLS FIRST
  ) IS DISTINCT FROM CAST("event_timestamp" AS TIMESTAMP)
)
SELECT
  "entity_rows".* EXCLUDE ("__fc_row_id", "__fc_entity_ts"),
  CASE WHEN "v1"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '1 day' THEN "v1"."conv_rate" END AS "conv_rate",
  CASE WHEN "v1"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '1 day' THEN "v1"."acc_rate" END AS "acc_rate",
  CASE WHEN "v1"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '1 day' THEN "v1"."trips_today" END AS "trips_today"
FROM "entity_rows"
ASOF LEFT JOIN "driver_stats__rows" AS "v1"
  ON "entity_rows"."driver_id" = "v1"."driver_id"
  AND "entity_rows"."__fc_entity_ts" >= "v1"."__fc_ts"
ORDER BY "entity_rows"."__fc_row_id"
