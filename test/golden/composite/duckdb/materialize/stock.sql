-- fcompile materialization query for feature view stock, DuckDB.
-- The latest row per entity as of the end time (within ttl): exactly what training returns
-- for an entity row at T = end (rows with a NULL key match no entity, so they are left out).
-- Set the bounds first, e.g.
--   SET VARIABLE fc_end = TIMESTAMP '2025-06-01 00:00:00';
WITH rows AS (
  SELECT
    "store_id",
    "product_id",
    CAST("snapshot_ts" AS TIMESTAMP) AS __fc_ts,
    "loaded_at" AS __fc_created,
    CAST("on_hand" AS BIGINT) AS "on_hand",
    CAST("reserved" AS INTEGER) AS "reserved"
  FROM "raw"."inventory"
  WHERE "snapshot_ts" IS NOT NULL
    AND "store_id" IS NOT NULL
    AND "product_id" IS NOT NULL
    AND CAST("snapshot_ts" AS TIMESTAMP) <= getvariable('fc_end')
    AND CAST("snapshot_ts" AS TIMESTAMP) >= getvariable('fc_end') - INTERVAL '12 hours'
)
SELECT
  "store_id",
  "product_id",
  __fc_ts AS "snapshot_ts",
  __fc_created AS "loaded_at",
  "on_hand",
  "reserved"
FROM rows
QUALIFY row_number() OVER (
  PARTITION BY "store_id", "product_id"
  ORDER BY __fc_ts DESC, __fc_created DESC NULLS LAST, "on_hand" DESC NULLS LAST, "reserved" DESC NULLS LAST
) = 1
