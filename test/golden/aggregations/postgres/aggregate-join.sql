-- fcompile point-in-time training query (aggregation shape aggregate-join), PostgreSQL.
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
),
"customer_orders__events" AS (
  -- aggregation view customer_orders: its events, each aggregated value cast, each filter evaluated over the
  -- events' own columns
  SELECT
    "customer_id",
    CAST("ordered_at" AS TIMESTAMP) AS "__fc_ts",
    "loaded_at" AS "__fc_created",
    COALESCE((status = 'paid'
), FALSE) AS "__fc_f1",
    CAST("amount" AS DOUBLE PRECISION) AS "__fc_v1",
    CAST("status" AS TEXT) AS "__fc_v2"
  FROM "raw"."orders"
  WHERE "ordered_at" IS NOT NULL
),
"customer_orders__aggregates" AS (
  -- aggregation view customer_orders (aggregate-join: forced): per entity row, the aggregates over the events of its
  -- key before its timestamp T (a window w holds the events of [T - w, T): an event at T is not
  -- counted)
  SELECT
    "entity_rows"."__fc_row_id",
    count(*) FILTER (WHERE "ev"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '2 hours') AS "__fc_orders_2h",
    count(*) FILTER (WHERE "ev"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '1 day' AND "ev"."__fc_f1") AS "__fc_paid_1d",
    CAST(sum("ev"."__fc_v1") AS DOUBLE PRECISION) AS "__fc_amount_sum_7d",
    avg("ev"."__fc_v1") AS "__fc_amount_avg_7d",
    max("ev"."__fc_v1") FILTER (WHERE "ev"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '1 day') AS "__fc_amount_max_1d",
    CAST(min("ev"."__fc_v2" COLLATE "C") AS TEXT) AS "__fc_status_min_7d"
  FROM "entity_rows"
  JOIN "customer_orders__events" AS "ev"
    ON "ev"."customer_id" = "entity_rows"."customer_id"
    AND "ev"."__fc_ts" < "entity_rows"."__fc_entity_ts"
    AND "ev"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '7 days'
  GROUP BY "entity_rows"."__fc_row_id"
),
"store_visits__events" AS (
  -- aggregation view store_visits: its events, each aggregated value cast, each filter evaluated over the
  -- events' own columns
  SELECT
    "region",
    "store_id",
    CAST("ts" AS TIMESTAMP) AS "__fc_ts",
    CAST("spend" AS BIGINT) AS "__fc_v1_2",
    CAST("page" AS TEXT) AS "__fc_v2_2"
  FROM "raw"."visits"
  WHERE "ts" IS NOT NULL
),
"store_visits__aggregates" AS (
  -- aggregation view store_visits (aggregate-join: forced): per entity row, the aggregates over the events of its
  -- key before its timestamp T (a window w holds the events of [T - w, T): an event at T is not
  -- counted)
  SELECT
    "entity_rows"."__fc_row_id",
    count(*) AS "__fc_visits_life",
    CAST(sum("ev_2"."__fc_v1_2") FILTER (WHERE "ev_2"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '30 days') AS BIGINT) AS "__fc_spend_sum_30d",
    (array_agg("ev_2"."__fc_v2_2" ORDER BY "ev_2"."__fc_ts" DESC, "ev_2"."__fc_v2_2" COLLATE "C" DESC) FILTER (WHERE "ev_2"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '30 days' AND "ev_2"."__fc_v2_2" IS NOT NULL))[1] AS "__fc_last_page_30d"
  FROM "entity_rows"
  JOIN "store_visits__events" AS "ev_2"
    ON "ev_2"."region" = "entity_rows"."region"
    AND "ev_2"."store_id" = "entity_rows"."store_id"
    AND "ev_2"."__fc_ts" < "entity_rows"."__fc_entity_ts"
  GROUP BY "entity_rows"."__fc_row_id"
)
SELECT
  "entity_rows"."customer_id",
  "entity_rows"."region",
  "entity_rows"."store_id",
  "entity_rows"."event_timestamp",
  COALESCE("a1"."__fc_orders_2h", 0) AS "customer_orders__orders_2h",
  COALESCE("a1"."__fc_paid_1d", 0) AS "customer_orders__paid_1d",
  "a1"."__fc_amount_sum_7d" AS "customer_orders__amount_sum_7d",
  "a1"."__fc_amount_avg_7d" AS "customer_orders__amount_avg_7d",
  "a1"."__fc_amount_max_1d" AS "customer_orders__amount_max_1d",
  "a1"."__fc_status_min_7d" AS "customer_orders__status_min_7d",
  COALESCE("a2"."__fc_visits_life", 0) AS "store_visits__visits_life",
  "a2"."__fc_spend_sum_30d" AS "store_visits__spend_sum_30d",
  "a2"."__fc_last_page_30d" AS "store_visits__last_page_30d"
FROM "entity_rows" AS "entity_rows"
LEFT JOIN "customer_orders__aggregates" AS "a1" ON "a1"."__fc_row_id" = "entity_rows"."__fc_row_id"
LEFT JOIN "store_visits__aggregates" AS "a2" ON "a2"."__fc_row_id" = "entity_rows"."__fc_row_id"
ORDER BY "entity_rows"."__fc_row_id"
