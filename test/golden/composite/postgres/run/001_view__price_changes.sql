-- fcompile: SQL feature view price_changes (definitions/price_changes.sql), built as a table.
-- `run` builds it under a temporary name and swaps it in within one transaction.
CREATE TABLE "shop"."view__price_changes" AS
-- the last price of each product per timestamp
SELECT product_id, ts, price, price < list_price AS is_promo
FROM "analytics"."raw"."prices"
