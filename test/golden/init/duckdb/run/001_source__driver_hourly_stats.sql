-- fcompile: file source driver_hourly_stats (data/driver_hourly_stats.csv), loaded into "drivers"."source__driver_hourly_stats".
-- Built under a new name, then swapped in, inside the run's transaction (000_begin.sql). Paths
-- are relative to the project folder (fcompile sets file_search_path to it). Declared types win:
-- join keys, view timestamps and features are cast; the other columns keep the types DuckDB reads.
DROP TABLE IF EXISTS "drivers"."source__driver_hourly_stats__fc_new";

CREATE TABLE "drivers"."source__driver_hourly_stats__fc_new" AS
SELECT * REPLACE (
  CAST("driver_id" AS BIGINT) AS "driver_id",
  CAST("event_timestamp" AS TIMESTAMP) AS "event_timestamp",
  CAST("created" AS TIMESTAMP) AS "created",
  CAST("conv_rate" AS DOUBLE) AS "conv_rate",
  CAST("acc_rate" AS DOUBLE) AS "acc_rate",
  CAST("trips_today" AS BIGINT) AS "trips_today"
)
FROM read_csv('data/driver_hourly_stats.csv');

DROP TABLE IF EXISTS "drivers"."source__driver_hourly_stats";

ALTER TABLE "drivers"."source__driver_hourly_stats__fc_new" RENAME TO "source__driver_hourly_stats";
