-- fcompile test: order_counts unique_per_entity_and_time (definitions/orders.yml:27)
-- Returns each (join keys, timestamp) held by more than one row; tested rows: "t"."source__orders" with "ts" in [fc_start, fc_end).
WITH tested AS (
  SELECT "customer_id", CAST("ts" AS TIMESTAMP) AS "ts"
  FROM "t"."source__orders"
  WHERE CAST("ts" AS TIMESTAMP) >= CAST(current_setting('fcompile.start_time') AS TIMESTAMP) AND CAST("ts" AS TIMESTAMP) < CAST(current_setting('fcompile.end_time') AS TIMESTAMP)
)
SELECT "customer_id", "ts", count(*) AS row_count
FROM tested
GROUP BY "customer_id", "ts"
HAVING count(*) > 1;
