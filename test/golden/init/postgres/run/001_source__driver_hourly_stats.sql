-- fcompile: file source driver_hourly_stats (data/driver_hourly_stats.csv), loaded into "drivers"."source__driver_hourly_stats".
-- Built under a new name, then swapped in, inside the run's transaction (000_begin.sql).
DROP TABLE IF EXISTS "drivers"."source__driver_hourly_stats__fc_new";

-- The file's columns.
-- Declared types win; the others are typed from the file (docs/warehouses.md, "Types").
CREATE TABLE "drivers"."source__driver_hourly_stats__fc_new" (
  "driver_id" BIGINT, -- join key of driver: int64
  "event_timestamp" TIMESTAMP, -- timestamp of view driver_stats
  "created" TIMESTAMP, -- created timestamp of view driver_stats
  "conv_rate" DOUBLE PRECISION, -- feature of view driver_stats: float64
  "acc_rate" DOUBLE PRECISION, -- feature of view driver_stats: float64
  "trips_today" BIGINT -- feature of view driver_stats: int64
);

-- Data: `fcompile run` streams the file here as CSV with a header, written by DuckDB:
--   COPY (SELECT CAST("driver_id" AS BIGINT) AS "driver_id", CAST("event_timestamp" AS TIMESTAMP) AS "event_timestamp", CAST("created" AS TIMESTAMP) AS "created", CAST("conv_rate" AS DOUBLE) AS "conv_rate", CAST("acc_rate" AS DOUBLE) AS "acc_rate", CAST("trips_today" AS BIGINT) AS "trips_today" FROM read_csv('data/driver_hourly_stats.csv')) TO 'file.csv' (HEADER)
-- By hand in psql, after that: \copy "drivers"."source__driver_hourly_stats__fc_new" ("driver_id", "event_timestamp", "created", "conv_rate", "acc_rate", "trips_today") FROM 'file.csv' (FORMAT csv, HEADER true)
COPY "drivers"."source__driver_hourly_stats__fc_new" ("driver_id", "event_timestamp", "created", "conv_rate", "acc_rate", "trips_today") FROM STDIN (FORMAT csv, HEADER true);

-- The index the point-in-time lookups of the views over this table walk (docs/warehouses.md).
CREATE INDEX ON "drivers"."source__driver_hourly_stats__fc_new" ("driver_id", "event_timestamp") INCLUDE ("created", "conv_rate", "acc_rate", "trips_today");

ANALYZE "drivers"."source__driver_hourly_stats__fc_new";

DROP TABLE IF EXISTS "drivers"."source__driver_hourly_stats";

ALTER TABLE "drivers"."source__driver_hourly_stats__fc_new" RENAME TO "source__driver_hourly_stats";
