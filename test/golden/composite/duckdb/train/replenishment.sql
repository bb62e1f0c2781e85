-- fcompile point-in-time training query (service replenishment; entity rows from fc_entity_rows, timestamp column event_timestamp), DuckDB.
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
"stock__rows" AS (
  -- feature view stock (ttl 12h): one row per (store_id, product_id, timestamp), the latest created
  SELECT
    "store_id",
    "product_id",
    CAST("snapshot_ts" AS TIMESTAMP) AS "__fc_ts",
    CAST("on_hand" AS BIGINT) AS "on_hand",
    CAST("reserved" AS INTEGER) AS "reserved"
  FROM "raw"."inventory"
  WHERE "snapshot_ts" IS NOT NULL
  -- keep the last row of each run of equal timestamps, in tie-break order
  QUALIFY lead(CAST("snapshot_ts" AS TIMESTAMP)) OVER (
    PARTITION BY "store_id", "product_id"
    ORDER BY CAST("snapshot_ts" AS TIMESTAMP), "loaded_at" ASC NULLS FIRST, CAST("on_hand" AS BIGINT) ASC NULLS FIRST, CAST("reserved" AS INTEGER) ASC NULLS FIRST
  ) IS DISTINCT FROM CAST("snapshot_ts" AS TIMESTAMP)
),
"price_changes__rows" AS (
  -- feature view price_changes: one row per (product_id, timestamp)
  SELECT
    "product_id",
    CAST("ts" AS TIMESTAMP) AS "__fc_ts",
    CAST("price" AS DOUBLE) AS "price",
    CAST("is_promo" AS BOOLEAN) AS "is_promo"
  FROM "shop"."view__price_changes"
  WHERE "ts" IS NOT NULL
  -- keep the last row of each run of equal timestamps, in tie-break order
  QUALIFY lead(CAST("ts" AS TIMESTAMP)) OVER (
    PARTITION BY "product_id"
    ORDER BY CAST("ts" AS TIMESTAMP), CAST("price" AS DOUBLE) ASC NULLS FIRST, CAST("is_promo" AS BOOLEAN) ASC NULLS FIRST
  ) IS DISTINCT FROM CAST("ts" AS TIMESTAMP)
)
SELECT
  "entity_rows".* EXCLUDE ("__fc_row_id", "__fc_entity_ts"),
  CASE WHEN "v1"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '12 hours' THEN "v1"."on_hand" END AS "on_hand",
  CASE WHEN "v1"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '12 hours' THEN "v1"."reserved" END AS "reserved",
  "v2"."price" AS "price",
  "v2"."is_promo" AS "is_promo"
FROM "entity_rows"
ASOF LEFT JOIN "stock__rows" AS "v1"
  ON "entity_rows"."store_id" = "v1"."store_id"
  AND "entity_rows"."product_id" = "v1"."product_id"
  AND "entity_rows"."__fc_entity_ts" >= "v1"."__fc_ts"
ASOF LEFT JOIN "price_changes__rows" AS "v2"
  ON "entity_rows"."product_id" = "v2"."product_id"
  AND "entity_rows"."__fc_entity_ts" >= "v2"."__fc_ts"
ORDER BY "entity_rows"."__fc_row_id"
