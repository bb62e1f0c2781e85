-- fcompile point-in-time training query (service replenishment; entity rows from fc_entity_rows, timestamp column event_timestamp), PostgreSQL.
-- For each entity row: the latest row of each feature view at or before its timestamp (within
-- the view's ttl), ties broken by the created timestamp, via LEFT JOIN LATERAL … LIMIT 1 (fast
-- with an index on the view's join keys and timestamp: the greatest timestamp is one index probe). One output row per entity row, in input
-- order: the entity rows carry their input position in __fc_row_id. Run with SET TimeZone = 'UTC'.
WITH entity_rows AS (
  SELECT e.*, CAST(e."event_timestamp" AS TIMESTAMP) AS __fc_entity_ts
  FROM fc_entity_rows AS e
)
SELECT
  entity_rows.*,
  v1."on_hand" AS "on_hand",
  v1."reserved" AS "reserved",
  v2."price" AS "price",
  v2."is_promo" AS "is_promo"
FROM entity_rows
LEFT JOIN LATERAL (
  -- feature view stock (ttl 12h): the greatest timestamp in range (one index probe), then the tie-break among
  -- the rows at exactly that timestamp
  SELECT CAST("on_hand" AS BIGINT) AS "on_hand", CAST("reserved" AS INTEGER) AS "reserved"
  FROM "raw"."inventory" AS r
  WHERE r."store_id" = entity_rows."store_id"
    AND r."product_id" = entity_rows."product_id"
    AND r."snapshot_ts" = (
      SELECT max(m."snapshot_ts") FROM "raw"."inventory" AS m
      WHERE m."store_id" = entity_rows."store_id"
        AND m."product_id" = entity_rows."product_id"
        AND m."snapshot_ts" <= entity_rows.__fc_entity_ts
        AND m."snapshot_ts" >= entity_rows.__fc_entity_ts - INTERVAL '12 hours'
    )
  ORDER BY "loaded_at" DESC NULLS LAST, CAST("on_hand" AS BIGINT) DESC NULLS LAST, CAST("reserved" AS INTEGER) DESC NULLS LAST
  LIMIT 1
) AS v1 ON TRUE
LEFT JOIN LATERAL (
  -- feature view price_changes: the greatest timestamp in range (one index probe), then the tie-break among
  -- the rows at exactly that timestamp
  SELECT CAST("price" AS DOUBLE PRECISION) AS "price", CAST("is_promo" AS BOOLEAN) AS "is_promo"
  FROM "shop"."view__price_changes" AS r
  WHERE r."product_id" = entity_rows."product_id"
    AND r."ts" = (
      SELECT max(m."ts") FROM "shop"."view__price_changes" AS m
      WHERE m."product_id" = entity_rows."product_id"
        AND m."ts" <= entity_rows.__fc_entity_ts
    )
  ORDER BY CAST("price" AS DOUBLE PRECISION) DESC NULLS LAST, CAST("is_promo" AS BOOLEAN) DESC NULLS LAST
  LIMIT 1
) AS v2 ON TRUE
ORDER BY entity_rows.__fc_row_id
