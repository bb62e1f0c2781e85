-- fcompile test: orders_checked.amount range [0, 1000] (definitions/orders.yml:15)
-- Returns the failing rows; tested rows: "t"."source__orders" with "ts" in [fc_start, fc_end).
WITH tested AS (
  SELECT "customer_id", CAST("ts" AS TIMESTAMP) AS "ts", CAST("amount" AS DOUBLE) AS "amount"
  FROM "t"."source__orders"
  WHERE CAST("ts" AS TIMESTAMP) >= getvariable('fc_start') AND CAST("ts" AS TIMESTAMP) < getvariable('fc_end')
)
SELECT "customer_id", "ts", "amount"
FROM tested
WHERE "amount" IS NOT NULL AND ("amount" < 0 OR "amount" > 1000);
