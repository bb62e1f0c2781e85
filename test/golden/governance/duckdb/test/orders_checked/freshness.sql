-- fcompile test: freshness of orders_checked: its newest event time before fc_end (epoch microseconds; NULL without rows)
SELECT epoch_us(max(CAST("ts" AS TIMESTAMP))) AS newest_us
FROM "t"."source__orders"
WHERE CAST("ts" AS TIMESTAMP) < getvariable('fc_end');
