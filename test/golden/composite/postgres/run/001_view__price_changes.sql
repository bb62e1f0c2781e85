-- fcompile: SQL feature view price_changes (definitions/price_changes.sql), built as "shop"."view__price_changes".
-- Built under a new name, then swapped in, inside the run's transaction (000_begin.sql).
DROP TABLE IF EXISTS "shop"."view__price_changes__fc_new";

CREATE TABLE "shop"."view__price_changes__fc_new" AS
-- the last price of each product per timestamp
SELECT product_id, ts, price, price < list_price AS is_promo
FROM "analytics"."raw"."prices";

-- The index the point-in-time lookups of the views over this table walk (docs/warehouses.md).
CREATE INDEX ON "shop"."view__price_changes__fc_new" ("product_id", "ts") INCLUDE ("price", "is_promo");

ANALYZE "shop"."view__price_changes__fc_new";

DROP TABLE IF EXISTS "shop"."view__price_changes";

ALTER TABLE "shop"."view__price_changes__fc_new" RENAME TO "view__price_changes";
