-- fcompile test: freshness of orders_qty: its newest event time (epoch microseconds; NULL without rows)
SELECT CAST(EXTRACT(EPOCH FROM max(CAST("ts" AS TIMESTAMP))) * 1000000 AS BIGINT) AS newest_us
FROM "t"."source__orders";
