-- fcompile materialization query for feature view price_changes, DuckDB.
-- The latest row per entity as of the end time (within ttl): exactly what training returns
-- for an entity row at T = end (rows with a NULL key match no entity, so they are left out).
-- Incremental: merges the previous materialization, "shop"."mat__price_changes",
-- with the view's rows since the start (the last end time). Rows at the start itself are read
-- again: taking the latest is idempotent.
-- Set the bounds first, e.g.
--   SET VARIABLE fc_end = TIMESTAMP '2025-06-01 00:00:00';
--   SET VARIABLE fc_start = TIMESTAMP '2025-05-01 00:00:00';  -- the last end time
WITH rows AS (
  SELECT
    "product_id",
    CAST("ts" AS TIMESTAMP) AS __fc_ts,
    CAST("price" AS DOUBLE) AS "price",
    CAST("is_promo" AS BOOLEAN) AS "is_promo"
  FROM "shop"."mat__price_changes"
  WHERE "ts" <= getvariable('fc_end')
  UNION ALL
  SELECT
    "product_id",
    CAST("ts" AS TIMESTAMP) AS __fc_ts,
    CAST("price" AS DOUBLE) AS "price",
    CAST("is_promo" AS BOOLEAN) AS "is_promo"
  FROM "shop"."view__price_changes"
  WHERE "ts" IS NOT NULL
    AND "product_id" IS NOT NULL
    AND CAST("ts" AS TIMESTAMP) <= getvariable('fc_end')
    AND CAST("ts" AS TIMESTAMP) >= getvariable('fc_start')
)
SELECT
  "product_id",
  __fc_ts AS "ts",
  "price",
  "is_promo"
FROM rows
QUALIFY row_number() OVER (
  PARTITION BY "product_id"
  ORDER BY __fc_ts DESC, "price" DESC NULLS LAST, "is_promo" DESC NULLS LAST
) = 1
