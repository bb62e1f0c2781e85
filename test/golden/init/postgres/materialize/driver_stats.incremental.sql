-- fcompile: materialization of feature view driver_stats (incremental), inside materialize's
-- transaction (_begin.sql … _commit.sql): per entity, the row training returns at T = end.
-- The end time (and the start time, but for a full run) are parameters: see the query's comment.
DROP TABLE IF EXISTS "drivers"."mat__driver_stats__fc_new";

CREATE TABLE "drivers"."mat__driver_stats__fc_new" AS
-- fcompile materialization query for feature view driver_stats, PostgreSQL.
-- The latest row per entity as of the end time (within ttl): exactly what training returns
-- for an entity row at T = end (rows with a NULL key match no entity, so they are left out).
-- Incremental: merges the previous materialization, "drivers"."mat__driver_stats",
-- with the view's rows since the start: the last end time, or for a view over a push source
-- with lateness the last end - lateness (a late event pushed offline can be that old). Rows the
-- previous materialization already holds are read again: taking the latest is idempotent.
-- Set the bounds first, e.g.
--   SET fcompile.end_time = '2025-06-01 00:00:00';
--   SET fcompile.start_time = '2025-05-01 00:00:00';  -- the last end time (- lateness over a push source)
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
  FROM "drivers"."mat__driver_stats"
  WHERE "event_timestamp" <= CAST(current_setting('fcompile.end_time') AS TIMESTAMP)
    AND "event_timestamp" >= CAST(current_setting('fcompile.end_time') AS TIMESTAMP) - INTERVAL '1 day'
  UNION ALL
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
    AND "event_timestamp" >= CAST(current_setting('fcompile.start_time') AS TIMESTAMP)
) AS rows
ORDER BY "driver_id", __fc_ts DESC, __fc_created DESC NULLS LAST, "conv_rate" DESC NULLS LAST, "acc_rate" DESC NULLS LAST, "trips_today" DESC NULLS LAST;

DROP TABLE IF EXISTS "drivers"."mat__driver_stats";

ALTER TABLE "drivers"."mat__driver_stats__fc_new" RENAME TO "mat__driver_stats";

-- The watermark of the view (its row count is returned to fcompile).
INSERT INTO "drivers"."fc_materializations" (view_name, end_time, start_time, mode, row_count, view_hash, materialized_at)
VALUES ('driver_stats', CAST(current_setting('fcompile.end_time') AS TIMESTAMP), CAST(current_setting('fcompile.start_time') AS TIMESTAMP), 'incremental', (SELECT count(*) FROM "drivers"."mat__driver_stats"), 'sha256:178503f8a5b5cda49c4af95bf56e5e12beacb32e1bd563c778ad397ffe4e3586', CAST(now() AS TIMESTAMP))
ON CONFLICT (view_name) DO UPDATE SET
  end_time = EXCLUDED.end_time, start_time = EXCLUDED.start_time, mode = EXCLUDED.mode,
  row_count = EXCLUDED.row_count, view_hash = EXCLUDED.view_hash, materialized_at = EXCLUDED.materialized_at
RETURNING row_count;
