-- fcompile test: order_counts.orders_7d range [-∞, 1] (definitions/orders.yml:29)
-- Returns the failing rows; tested rows: per entity, the training values at its latest event in [fc_start, fc_end) of "t"."source__orders".
WITH tested AS (
  SELECT "customer_id", "event_timestamp" AS "ts", "orders_7d", "max_amount_7d"
  FROM (
-- fcompile point-in-time training query (data tests of order_counts: each entity's latest event in [fc_start, fc_end)), DuckDB.
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
  FROM (SELECT "customer_id", max(CAST("ts" AS TIMESTAMP)) AS "event_timestamp" FROM "t"."source__orders" WHERE CAST("ts" AS TIMESTAMP) >= getvariable('fc_start') AND CAST("ts" AS TIMESTAMP) < getvariable('fc_end') GROUP BY "customer_id")
),
"order_counts__events" AS (
  -- aggregation view order_counts: its events, each aggregated value cast, each filter evaluated over the
  -- events' own columns
  SELECT
    "customer_id",
    CAST("ts" AS TIMESTAMP) AS "__fc_ts",
    CAST("amount" AS DOUBLE) AS "__fc_v1",
    (epoch_us(CAST("ts" AS TIMESTAMP)) // 604800000000) AS "__fc_bucket"
  FROM "t"."source__orders"
  WHERE "ts" IS NOT NULL
),
"order_counts__buckets" AS (
  -- aggregation view order_counts: each entity row once per time bucket (as long as the longest window) that its
  -- window touches, so that the join below is on (keys, bucket): it meets the events of at most
  -- two buckets, not every event of the key
  SELECT "__fc_row_id", "customer_id", "__fc_entity_ts", unnest(range((epoch_us("__fc_entity_ts" - INTERVAL '7 days') // 604800000000), (epoch_us("__fc_entity_ts") // 604800000000) + 1)) AS "__fc_bucket"
  FROM "entity_rows"
),
"order_counts__aggregates" AS (
  -- aggregation view order_counts (aggregate-join: no density measured): per entity row, the aggregates over the events of its
  -- key before its timestamp T (a window w holds the events of [T - w, T): an event at T is not
  -- counted)
  SELECT
    "entity_rows"."__fc_row_id",
    count(*) AS "__fc_orders_7d",
    max("ev"."__fc_v1") AS "__fc_max_amount_7d"
  FROM "order_counts__buckets" AS "entity_rows"
  JOIN "order_counts__events" AS "ev"
    ON "ev"."customer_id" = "entity_rows"."customer_id"
    AND "ev"."__fc_bucket" = "entity_rows"."__fc_bucket"
    AND "ev"."__fc_ts" < "entity_rows"."__fc_entity_ts"
    AND "ev"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '7 days'
  GROUP BY "entity_rows"."__fc_row_id"
)
SELECT
  "entity_rows".* EXCLUDE ("__fc_row_id", "__fc_entity_ts"),
  COALESCE("a1"."__fc_orders_7d", 0) AS "orders_7d",
  "a1"."__fc_max_amount_7d" AS "max_amount_7d"
FROM "entity_rows"
LEFT JOIN "order_counts__aggregates" AS "a1" ON "a1"."__fc_row_id" = "entity_rows"."__fc_row_id"
ORDER BY "entity_rows"."__fc_row_id"
  ) AS fc_values
)
SELECT "customer_id", "ts", "orders_7d"
FROM tested
WHERE "orders_7d" IS NOT NULL AND ("orders_7d" > 1);
