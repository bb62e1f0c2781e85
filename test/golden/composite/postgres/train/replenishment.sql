-- fcompile point-in-time training query (service replenishment; entity rows from fc_entity_rows, timestamp column event_timestamp), PostgreSQL.
-- For each entity row: the latest row of each feature view at or before its timestamp (within
-- the view's ttl), ties broken by the created timestamp. One output row per entity row, in input
-- order: the entity rows carry their input position in "__fc_row_id". Run with SET TimeZone = 'UTC'.
-- Each view has a shape (docs/training.md): a LEFT JOIN LATERAL lookup over the index on its
-- (join keys, timestamp) — see target/compiled/postgres/index-advice.sql — or, when `train` finds
-- no such index, a sort-merge that needs none. Names such as "__fc_entity_ts" are chosen not to
-- equal any column of the entity rows or views.
WITH "entity_rows" AS (
  SELECT "e".*, CAST("e"."event_timestamp" AS TIMESTAMP) AS "__fc_entity_ts"
  FROM fc_entity_rows AS "e"
)
SELECT
  "entity_rows".*,
  "v1"."on_hand" AS "on_hand",
  "v1"."reserved" AS "reserved",
  "v2"."price" AS "price",
  "v2"."is_promo" AS "is_promo"
FROM "entity_rows" AS "entity_rows"
LEFT JOIN LATERAL (
  -- feature view stock (ttl 12h), lookup (index assumed on "raw"."inventory" (store_id, product_id, snapshot_ts)): the rows at the greatest timestamp in range
  -- (WITH TIES: one backward index-only scan that stops after them), then the tie-break among them
  SELECT CAST("on_hand" AS BIGINT) AS "on_hand", CAST("reserved" AS INTEGER) AS "reserved"
  FROM (
    SELECT "r"."loaded_at", "r"."on_hand", "r"."reserved"
    FROM "raw"."inventory" AS "r"
    WHERE "r"."store_id" = "entity_rows"."store_id"
      AND "r"."product_id" = "entity_rows"."product_id"
      AND "r"."snapshot_ts" <= "entity_rows"."__fc_entity_ts"
      AND "r"."snapshot_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '12 hours'
    ORDER BY "r"."snapshot_ts" DESC
    FETCH FIRST 1 ROW WITH TIES
  ) AS "r"
  ORDER BY "loaded_at" DESC NULLS LAST, CAST("on_hand" AS BIGINT) DESC NULLS LAST, CAST("reserved" AS INTEGER) DESC NULLS LAST
  LIMIT 1
) AS "v1" ON TRUE
LEFT JOIN LATERAL (
  -- feature view price_changes, lookup (index assumed on "shop"."view__price_changes" (product_id, ts)): the rows at the greatest timestamp in range
  -- (WITH TIES: one backward index-only scan that stops after them), then the tie-break among them
  SELECT CAST("price" AS DOUBLE PRECISION) AS "price", CAST("is_promo" AS BOOLEAN) AS "is_promo"
  FROM (
    SELECT "r"."price", "r"."is_promo"
    FROM "shop"."view__price_changes" AS "r"
    WHERE "r"."product_id" = "entity_rows"."product_id"
      AND "r"."ts" <= "entity_rows"."__fc_entity_ts"
    ORDER BY "r"."ts" DESC
    FETCH FIRST 1 ROW WITH TIES
  ) AS "r"
  ORDER BY CAST("price" AS DOUBLE PRECISION) DESC NULLS LAST, CAST("is_promo" AS BOOLEAN) DESC NULLS LAST
  LIMIT 1
) AS "v2" ON TRUE
ORDER BY "entity_rows"."__fc_row_id"
