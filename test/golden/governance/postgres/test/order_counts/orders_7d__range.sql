-- fcompile test: order_counts.orders_7d range [-∞, 1] (definitions/orders.yml:29)
-- Returns the failing rows; tested rows: per entity, the training values at its latest event in [fc_start, fc_end) of "t"."source__orders".
WITH tested AS (
  SELECT "customer_id", "event_timestamp" AS "ts", "orders_7d", "max_amount_7d"
  FROM (
-- fcompile point-in-time training query (data tests of order_counts: each entity's latest event in [fc_start, fc_end)), PostgreSQL.
-- For each entity row: the latest row of each feature view at or before its timestamp (within
-- the view's ttl), ties broken by the created timestamp. One output row per entity row, in input
-- order: the entity rows carry their input position in "__fc_row_id". Run with SET TimeZone = 'UTC'.
-- Each view has a shape (docs/training.md): a LEFT JOIN LATERAL lookup over the index on its
-- (join keys, timestamp) — see target/compiled/postgres/index-advice.sql — or, when `train` finds
-- no such index, a sort-merge that needs none. Names such as "__fc_entity_ts" are chosen not to
-- equal any column of the entity rows or views.
WITH "entity_rows" AS (
  SELECT "e".*, CAST("e"."event_timestamp" AS TIMESTAMP) AS "__fc_entity_ts"
  FROM (SELECT "customer_id", max(CAST("ts" AS TIMESTAMP)) AS "event_timestamp", row_number() OVER () AS "__fc_row_id" FROM "t"."source__orders" WHERE CAST("ts" AS TIMESTAMP) >= CAST(current_setting('fcompile.start_time') AS TIMESTAMP) AND CAST("ts" AS TIMESTAMP) < CAST(current_setting('fcompile.end_time') AS TIMESTAMP) GROUP BY "customer_id") AS "e"
),
"order_counts__events" AS (
  -- aggregation view order_counts: its events, each aggregated value cast, each filter evaluated over the
  -- events' own columns
  SELECT
    "customer_id",
    CAST("ts" AS TIMESTAMP) AS "__fc_ts",
    CAST("amount" AS DOUBLE PRECISION) AS "__fc_v1"
  FROM "t"."source__orders"
  WHERE "ts" IS NOT NULL
),
"order_counts__aggregates" AS (
  -- aggregation view order_counts (aggregate-join: no density measured): per entity row, the aggregates over the events of its
  -- key before its timestamp T (a window w holds the events of [T - w, T): an event at T is not
  -- counted)
  SELECT
    "entity_rows"."__fc_row_id",
    count(*) AS "__fc_orders_7d",
    max("ev"."__fc_v1") AS "__fc_max_amount_7d"
  FROM "entity_rows"
  JOIN "order_counts__events" AS "ev"
    ON "ev"."customer_id" = "entity_rows"."customer_id"
    AND "ev"."__fc_ts" < "entity_rows"."__fc_entity_ts"
    AND "ev"."__fc_ts" >= "entity_rows"."__fc_entity_ts" - INTERVAL '7 days'
  GROUP BY "entity_rows"."__fc_row_id"
)
SELECT
  "entity_rows"."customer_id",
  "entity_rows"."event_timestamp",
  COALESCE("a1"."__fc_orders_7d", 0) AS "orders_7d",
  "a1"."__fc_max_amount_7d" AS "max_amount_7d"
FROM "entity_rows" AS "entity_rows"
LEFT JOIN "order_counts__aggregates" AS "a1" ON "a1"."__fc_row_id" = "entity_rows"."__fc_row_id"
ORDER BY "entity_rows"."__fc_row_id"
  ) AS fc_values
)
SELECT "customer_id", "ts", "orders_7d"
FROM tested
WHERE "orders_7d" IS NOT NULL AND ("orders_7d" > 1);
