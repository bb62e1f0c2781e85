-- fcompile materialization query for feature view driver_stats, PostgreSQL.
-- The latest row per entity as of the end time (within ttl): exactly what training returns
-- for an entity row at T = end (rows with a NULL key match no entity, so they are left out).
-- Set the bounds first, e.g.
--   SET fcompile.end_time = '2025-06-01 00:00:00';
SELECT DISTINCT ON ("driver_id")
  "driver_id",
  __fc_ts AS "event_timestamp",
  __fc_created AS "created",
  "conv_rate",
  "acc_rate",
  "trips_today"
FROM (
  SELECT
    "driver_id",
    CAST("event_timestamp" AS TIMESTAMP) AS __fc_ts,
    "created" AS __fc_created,
    CAST("conv_rate" AS DOUBLE PRECISION) AS "conv_rate",
    CAST("acc_rate" AS DOUBLE PRECISION) AS "acc_rate",
    CAST("trips_today" AS BIGINT) AS "trips_today"
  FROM "drivers"."source__driver_hourly_stats"
  WHERE "event_timestamp" IS NOT NULL
    AND "driver_id" IS NOT NULL
    AND "event_timestamp" <= CAST(current_setting('fcompile.end_time') AS TIMESTAMP)
    AND "event_timestamp" >= CAST(current_setting('fcompile.end_time') AS TIMESTAMP) - INTERVAL '1 day'
) AS rows
ORDER BY "driver_id", __fc_ts DESC, __fc_created DESC NULLS LAST, "conv_rate" DESC NULLS LAST, "acc_rate" DESC NULLS LAST, "trips_today" DESC NULLS LAST
