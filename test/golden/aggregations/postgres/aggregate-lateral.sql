-- fcompile point-in-time training query (aggregation shape aggregate-lateral), PostgreSQL.
-- For each entity row: the latest row of each feature view at or before its timestamp (within
-- the view's ttl), ties broken by the created timestamp. One output row per entity row, in input
-- order: the entity rows carry their input position in "__fc_row_id". Run with SET TimeZone = 'UTC'.
-- Each view has a shape (docs/training.md): a LEFT JOIN LATERAL lookup over the index on its
-- (join keys, timestamp) — see target/compiled/postgres/index-advice.sql — or, when `train` finds
-- no such index, a sort-merge that needs none. Names such as "__fc_entity_ts" are chosen not to
-- equal any column of the entity rows or views.
WITH "entity_rows" AS (
  SELECT "e".*, CAST("e"."event_timestamp" AS TIMESTAMP) AS "__fc_entity_ts"
  FROM "raw"."entity_rows" AS "e"
)
SELECT
  "entity_rows"."customer_id",
  "entity_rows"."region",
  "entity_rows"."store_id",
  "entity_rows"."event_timestamp",
  "customer_orders__w1"."__fc_orders_2h" AS "customer_orders__orders_2h",
  "customer_orders__w2"."__fc_paid_1d" AS "customer_orders__paid_1d",
  "customer_orders__w3"."__fc_amount_sum_7d" AS "customer_orders__amount_sum_7d",
  "customer_orders__w3"."__fc_amount_avg_7d" AS "customer_orders__amount_avg_7d",
  "customer_orders__w2"."__fc_amount_max_1d" AS "customer_orders__amount_max_1d",
  "customer_orders__w3"."__fc_status_min_7d" AS "customer_orders__status_min_7d",
  "store_visits__w1"."__fc_visits_life" AS "store_visits__visits_life",
  "store_visits__w2"."__fc_spend_sum_30d" AS "store_visits__spend_sum_30d",
  "store_visits__w2"."__fc_last_page_30d" AS "store_visits__last_page_30d"
FROM "entity_rows" AS "entity_rows"
CROSS JOIN LATERAL (
  -- aggregation view customer_orders (aggregate-lateral: forced), window INTERVAL '2 hours':
  -- the aggregates over the index range of the key's events in [T - w, T), without GROUP BY (one row
  -- even over no events: a count of nothing is 0)
  SELECT count(*) AS "__fc_orders_2h"
  FROM "raw"."orders" AS "ev"
  WHERE "ev"."customer_id" = "entity_rows"."customer_id"
    AND "ev"."ordered_at" < "entity_rows"."__fc_entity_ts"
    AND "ev"."ordered_at" >= "entity_rows"."__fc_entity_ts" - INTERVAL '2 hours'
) AS "customer_orders__w1"
CROSS JOIN LATERAL (
  -- aggregation view customer_orders (aggregate-lateral: forced), window INTERVAL '1 day':
  -- the aggregates over the index range of the key's events in [T - w, T), without GROUP BY (one row
  -- even over no events: a count of nothing is 0)
  SELECT count(*) FILTER (WHERE COALESCE((status = 'paid'
), FALSE)) AS "__fc_paid_1d",
    max(CAST("ev"."amount" AS DOUBLE PRECISION)) AS "__fc_amount_max_1d"
  FROM "raw"."orders" AS "ev"
  WHERE "ev"."customer_id" = "entity_rows"."customer_id"
    AND "ev"."ordered_at" < "entity_rows"."__fc_entity_ts"
    AND "ev"."ordered_at" >= "entity_rows"."__fc_entity_ts" - INTERVAL '1 day'
) AS "customer_orders__w2"
CROSS JOIN LATERAL (
  -- aggregation view customer_orders (aggregate-lateral: forced), window INTERVAL '7 days':
  -- the aggregates over the index range of the key's events in [T - w, T), without GROUP BY (one row
  -- even over no events: a count of nothing is 0)
  SELECT CAST(sum(CAST("ev"."amount" AS DOUBLE PRECISION)) AS DOUBLE PRECISION) AS "__fc_amount_sum_7d",
    avg(CAST("ev"."amount" AS DOUBLE PRECISION)) AS "__fc_amount_avg_7d",
    CAST(min(CAST("ev"."status" AS TEXT) COLLATE "C") AS TEXT) AS "__fc_status_min_7d"
  FROM "raw"."orders" AS "ev"
  WHERE "ev"."customer_id" = "entity_rows"."customer_id"
    AND "ev"."ordered_at" < "entity_rows"."__fc_entity_ts"
    AND "ev"."ordered_at" >= "entity_rows"."__fc_entity_ts" - INTERVAL '7 days'
) AS "customer_orders__w3"
CROSS JOIN LATERAL (
  -- aggregation view store_visits (aggregate-lateral: forced), window lifetime:
  -- the aggregates over the index range of the key's events in [T - w, T), without GROUP BY (one row
  -- even over no events: a count of nothing is 0)
  SELECT count(*) AS "__fc_visits_life"
  FROM "raw"."visits" AS "ev_2"
  WHERE "ev_2"."region" = "entity_rows"."region"
    AND "ev_2"."store_id" = "entity_rows"."store_id"
    AND "ev_2"."ts" < "entity_rows"."__fc_entity_ts"
) AS "store_visits__w1"
CROSS JOIN LATERAL (
  -- aggregation view store_visits (aggregate-lateral: forced), window INTERVAL '30 days':
  -- the aggregates over the index range of the key's events in [T - w, T), without GROUP BY (one row
  -- even over no events: a count of nothing is 0)
  SELECT CAST(sum(CAST("ev_2"."spend" AS BIGINT)) AS BIGINT) AS "__fc_spend_sum_30d",
    (array_agg(CAST("ev_2"."page" AS TEXT) ORDER BY CAST("ev_2"."ts" AS TIMESTAMP) DESC, CAST("ev_2"."page" AS TEXT) COLLATE "C" DESC) FILTER (WHERE TRUE AND CAST("ev_2"."page" AS TEXT) IS NOT NULL))[1] AS "__fc_last_page_30d"
  FROM "raw"."visits" AS "ev_2"
  WHERE "ev_2"."region" = "entity_rows"."region"
    AND "ev_2"."store_id" = "entity_rows"."store_id"
    AND "ev_2"."ts" < "entity_rows"."__fc_entity_ts"
    AND "ev_2"."ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '30 days'
) AS "store_visits__w2"
ORDER BY "entity_rows"."__fc_row_id"
