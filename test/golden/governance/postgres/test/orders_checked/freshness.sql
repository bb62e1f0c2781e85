-- fcompile test: freshness of orders_checked: its newest event time before fc_end (epoch microseconds; NULL without rows)
SELECT CAST(EXTRACT(EPOCH FROM max(CAST("ts" AS TIMESTAMP))) * 1000000 AS BIGINT) AS newest_us
FROM "t"."source__orders"
WHERE CAST("ts" AS TIMESTAMP) < CAST(current_setting('fcompile.end_time') AS TIMESTAMP);
