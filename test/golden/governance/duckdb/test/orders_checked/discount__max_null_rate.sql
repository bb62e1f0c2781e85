-- fcompile test: orders_checked.discount max_null_rate 0.2 (definitions/orders.yml:17)
-- Returns one row (the rate) when the share of NULLs exceeds the limit; tested rows: "t"."source__orders" with "ts" in [fc_start, fc_end).
WITH tested AS (
  SELECT "customer_id", CAST("ts" AS TIMESTAMP) AS "ts", CAST("discount" AS DOUBLE) AS "discount"
  FROM "t"."source__orders"
  WHERE CAST("ts" AS TIMESTAMP) >= getvariable('fc_start') AND CAST("ts" AS TIMESTAMP) < getvariable('fc_end')
)
SELECT count(*) AS row_count, count(*) - count("discount") AS null_count, CAST(count(*) - count("discount") AS DOUBLE) / count(*) AS null_rate
FROM tested
HAVING count(*) > 0 AND CAST(count(*) - count("discount") AS DOUBLE) > 0.2 * count(*);
