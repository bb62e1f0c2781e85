-- fcompile materialization query for feature view driver_stats, DuckDB.
-- The latest row per entity as of the end time (within ttl): exactly what training returns
-- for an entity row at T = end (rows with a NULL key match no entity, so they are left out).
-- Incremental: merges the previous materialization, "drivers"."mat__driver_stats",
-- with the view's rows since the start (the last end time). Rows at the start itself are read
-- again: taking the latest is idempotent.
-- Set the bounds first, e.g.
--   SET VARIABLE fc_end = TIMESTAMP '2025-06-01 00:00:00';
--   SET VARIABLE fc_start = TIMESTAMP '2025-05-01 00:00:00';  -- the last end time
WITH rows AS (
  SELECT
    "driver_id",
    CAST("event_timestamp" AS TIMESTAMP) AS __fc_ts,
    "created" AS __fc_created,
    CAST("conv_rate" AS DOUBLE) AS "conv_rate",
    CAST("acc_rate" AS DOUBLE) AS "acc_rate",
    CAST("trips_today" AS BIGINT) AS "trips_today"
  FROM "drivers"."mat__driver_stats"
  WHERE "event_timestamp" <= getvariable('fc_end')
    AND "event_timestamp" >= getvariable('fc_end') - INTERVAL '1 day'
  UNION ALL
  SELECT
    "driver_id",
    CAST("event_timestamp" AS TIMESTAMP) AS __fc_ts,
    "created" AS __fc_created,
    CAST("conv_rate" AS DOUBLE) AS "conv_rate",
    CAST("acc_rate" AS DOUBLE) AS "acc_rate",
    CAST("trips_today" AS BIGINT) AS "trips_today"
  FROM "drivers"."source__driver_hourly_stats"
  WHERE "event_timestamp" IS NOT NULL
    AND "driver_id" IS NOT NULL
    AND CAST("event_timestamp" AS TIMESTAMP) <= getvariable('fc_end')
    AND CAST("event_timestamp" AS TIMESTAMP) >= getvariable('fc_end') - INTERVAL '1 day'
    AND CAST("event_timestamp" AS TIMESTAMP) >= getvariable('fc_start')
)
SELECT
  "driver_id",
  __fc_ts AS "event_timestamp",
  __fc_created AS "created",
  "conv_rate",
  "acc_rate",
  "trips_today"
FROM rows
QUALIFY row_number() OVER (
  PARTITION BY "driver_id"
  ORDER BY __fc_ts DESC, __fc_created DESC NULLS LAST, "conv_rate" DESC NULLS LAST, "acc_rate" DESC NULLS LAST, "trips_today" DESC NULLS LAST
) = 1
