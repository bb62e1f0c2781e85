-- fcompile test: orders_checked.segment accepted_values (definitions/orders.yml:16)
-- Returns the failing rows; tested rows: "t"."source__orders" with "ts" in [fc_start, fc_end).
WITH tested AS (
  SELECT "customer_id", CAST("ts" AS TIMESTAMP) AS "ts", CAST("segment" AS TEXT) AS "segment"
  FROM "t"."source__orders"
  WHERE CAST("ts" AS TIMESTAMP) >= CAST(current_setting('fcompile.start_time') AS TIMESTAMP) AND CAST("ts" AS TIMESTAMP) < CAST(current_setting('fcompile.end_time') AS TIMESTAMP)
)
SELECT "customer_id", "ts", "segment"
FROM tested
WHERE "segment" IS NOT NULL AND "segment" NOT IN ('new', 'regular', 'o''vip', 'vip');
