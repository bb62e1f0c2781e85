-- fcompile point-in-time training query (aggregation shape aggregate-lateral), DuckDB.
-- For each entity row: the latest row of each feature view at or before its timestamp
-- (within the view's ttl), ties broken by the created timestamp. One output row per entity
-- row, in input order. Run with SET TimeZone = 'UTC' (timestamps without a zone are UTC).
-- Names such as "__fc_row_id" are chosen not to equal any column of the entity rows or views.
WITH "entity_rows" AS (
  -- the entity rows, numbered in input order
  SELECT
    *,
    row_number() OVER () AS "__fc_row_id",
    CAST("event_timestamp" AS TIMESTAMP) AS "__fc_entity_ts"
  FROM "raw"."entity_rows"
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
    CAST("amount" AS DOUBLE) AS "__fc_v1",
    CAST("status" AS VARCHAR) AS "__fc_v2",
    (epoch_us(CAST("ordered_at" AS TIMESTAMP)) // 604800000000) AS "__fc_bucket"
  FROM "raw"."orders"
  WHERE "ordered_at" IS NOT NULL
),
"customer_orders__buckets" AS (
  -- aggregation view customer_orders: each entity row once per time bucket (as long as the longest window) that its
  -- window touches, so that the join below is on (keys, bucket): it meets the events of at most
  -- two buckets, not every event of the key
  SELECT "__fc_row_id", "customer_id", "__fc_entity_ts", unnest(range((epoch_us("__fc_entity_ts" - INTERVAL '7 days') // 604800000000), (epoch_us("__fc_entity_ts") // 604800000000) + 1)) AS "__fc_bucket"
  FROM "entity_rows"
),
"customer_orders__aggregates" AS (
  -- aggregation view customer_orders (aggregate-join: forced lateral, but the dialect reads no index ranges): per entity row, the aggregates over the events of its
  -- key before its timestamp T (a window w holds the events of [T - w, T): an event at T is not
  -- counted)
  SELECT
    "entity_rows"."__fc_row_id",
    count(*) FILTER (WHERE "ev"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '2 hours') AS "__fc_orders_2h",
    count(*) FILTER (WHERE "ev"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '1 day' AND "ev"."__fc_f1") AS "__fc_paid_1d",
    CAST(sum("ev"."__fc_v1") AS DOUBLE) AS "__fc_amount_sum_7d",
    avg("ev"."__fc_v1") AS "__fc_amount_avg_7d",
    max("ev"."__fc_v1") FILTER (WHERE "ev"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '1 day') AS "__fc_amount_max_1d",
    min("ev"."__fc_v2") AS "__fc_status_min_7d"
  FROM "customer_orders__buckets" AS "entity_rows"
  JOIN "customer_orders__events" AS "ev"
    ON "ev"."customer_id" = "entity_rows"."customer_id"
    AND "ev"."__fc_bucket" = "entity_rows"."__fc_bucket"
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
    CAST("page" AS VARCHAR) AS "__fc_v2_2"
  FROM "raw"."visits"
  WHERE "ts" IS NOT NULL
),
"store_visits__aggregates" AS (
  -- aggregation view store_visits (aggregate-join: forced lateral, but the dialect reads no index ranges): per entity row, the aggregates over the events of its
  -- key before its timestamp T (a window w holds the events of [T - w, T): an event at T is not
  -- counted)
  SELECT
    "entity_rows"."__fc_row_id",
    count(*) AS "__fc_visits_life",
    CAST(sum("ev_2"."__fc_v1_2") FILTER (WHERE "ev_2"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '30 days') AS BIGINT) AS "__fc_spend_sum_30d",
    (array_agg("ev_2"."__fc_v2_2" ORDER BY "ev_2"."__fc_ts" DESC, "ev_2"."__fc_v2_2" DESC) FILTER (WHERE "ev_2"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '30 days' AND "ev_2"."__fc_v2_2" IS NOT NULL))[1] AS "__fc_last_page_30d"
  FROM "entity_rows"
  JOIN "store_visits__events" AS "ev_2"
    ON "ev_2"."region" = "entity_rows"."region"
    AND "ev_2"."store_id" = "entity_rows"."store_id"
    AND "ev_2"."__fc_ts" < "entity_rows"."__fc_entity_ts"
  GROUP BY "entity_rows"."__fc_row_id"
)
SELECT
  "entity_rows".* EXCLUDE ("__fc_row_id", "__fc_entity_ts"),
  COALESCE("a1"."__fc_orders_2h", 0) AS "customer_orders__orders_2h",
  COALESCE("a1"."__fc_paid_1d", 0) AS "customer_orders__paid_1d",
  "a1"."__fc_amount_sum_7d" AS "customer_orders__amount_sum_7d",
  "a1"."__fc_amount_avg_7d" AS "customer_orders__amount_avg_7d",
  "a1"."__fc_amount_max_1d" AS "customer_orders__amount_max_1d",
  "a1"."__fc_status_min_7d" AS "customer_orders__status_min_7d",
  COALESCE("a2"."__fc_visits_life", 0) AS "store_visits__visits_life",
  "a2"."__fc_spend_sum_30d" AS "store_visits__spend_sum_30d",
  "a2"."__fc_last_page_30d" AS "store_visits__last_page_30d"
FROM "entity_rows"
LEFT JOIN "customer_orders__aggregates" AS "a1" ON "a1"."__fc_row_id" = "entity_rows"."__fc_row_id"
LEFT JOIN "store_visits__aggregates" AS "a2" ON "a2"."__fc_row_id" = "entity_rows"."__fc_row_id"
ORDER BY "entity_rows"."__fc_row_id"
