-- fcompile: load file source driver_hourly_stats (data/driver_hourly_stats.csv) into the warehouse.
-- Paths are relative to the project folder (fcompile sets file_search_path to it).
CREATE OR REPLACE TABLE "drivers"."source__driver_hourly_stats" AS
SELECT * FROM read_csv('data/driver_hourly_stats.csv')
