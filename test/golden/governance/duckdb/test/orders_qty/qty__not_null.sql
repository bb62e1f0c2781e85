-- fcompile test: orders_qty.qty not_null (definitions/orders.yml:23)
-- Returns the failing rows; tested rows: "t"."source__orders" with "ts" in [fc_start, fc_end).
WITH tested AS (
  SELECT "customer_id", CAST("ts" AS TIMESTAMP) AS "ts", CAST("qty" AS BIGINT) AS "qty"
  FROM "t"."source__orders"
  WHERE CAST("ts" AS TIMESTAMP) >= getvariable('fc_start') AND CAST("ts" AS TIMESTAMP) < getvariable('fc_end')
)
SELECT "customer_id", "ts", "qty"
FROM tested
WHERE "qty" IS NULL;
