-- fcompile point-in-time training query (aggregation shape aggregate-tiles), PostgreSQL.
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
  -- events' own columns; each event's time in microseconds and its tile (the
  -- multiple of 7200000000 µs at or before it)
  SELECT
    "customer_id",
    CAST("ordered_at" AS TIMESTAMP) AS "__fc_ts",
    "loaded_at" AS "__fc_created",
    CAST(EXTRACT(EPOCH FROM CAST("ordered_at" AS TIMESTAMP)) * 1000000 AS BIGINT) AS "__fc_us",
    CAST(EXTRACT(EPOCH FROM CAST("ordered_at" AS TIMESTAMP)) * 1000000 AS BIGINT) - ((CAST(EXTRACT(EPOCH FROM CAST("ordered_at" AS TIMESTAMP)) * 1000000 AS BIGINT) % 7200000000) + 7200000000) % 7200000000 AS "__fc_tile",
    COALESCE((status = 'paid'
), FALSE) AS "__fc_f1",
    CAST("amount" AS DOUBLE PRECISION) AS "__fc_v1",
    CAST("status" AS TEXT) AS "__fc_v2"
  FROM "raw"."orders"
  WHERE "ordered_at" IS NOT NULL
),
"customer_orders__tiles" AS (
  -- aggregation view customer_orders (aggregate-tiles: forced): per key and tile, the partial aggregates every
  -- window adds up (counts, sums, minimums, maximums of the tile's events)
  SELECT "customer_id", "__fc_tile",
    count(*) AS "__fc_p1",
    count(*) FILTER (WHERE "ev"."__fc_f1") AS "__fc_p2",
    sum("ev"."__fc_v1") AS "__fc_p3",
    count("ev"."__fc_v1") AS "__fc_p4",
    max("ev"."__fc_v1") AS "__fc_p5",
    CAST(min("ev"."__fc_v2" COLLATE "C") AS TEXT) AS "__fc_p6"
  FROM "customer_orders__events" AS "ev"
  GROUP BY "customer_id", "__fc_tile"
),
"customer_orders__rows" AS (
  -- aggregation view customer_orders: each entity row's time t in microseconds and its tile s(t)
  SELECT "__fc_row_id", "customer_id", CAST(EXTRACT(EPOCH FROM "__fc_entity_ts") * 1000000 AS BIGINT) AS "__fc_us", CAST(EXTRACT(EPOCH FROM "__fc_entity_ts") * 1000000 AS BIGINT) - ((CAST(EXTRACT(EPOCH FROM "__fc_entity_ts") * 1000000 AS BIGINT) % 7200000000) + 7200000000) % 7200000000 AS "__fc_tile"
  FROM "entity_rows"
),
"customer_orders__tile_sums" AS (
  -- aggregation view customer_orders: per entity row, the complete tiles of each window w: after s(t) - w, before
  -- s(t) (a window of w is a whole number of tiles, so s(t - w) = s(t) - w)
  SELECT "r_2"."__fc_row_id",
    sum("tl"."__fc_p1") FILTER (WHERE "tl"."__fc_tile" > "r_2"."__fc_tile" - 7200000000) AS "__fc_t1",
    sum("tl"."__fc_p2") FILTER (WHERE "tl"."__fc_tile" > "r_2"."__fc_tile" - 86400000000) AS "__fc_t2",
    sum("tl"."__fc_p3") AS "__fc_t3",
    sum("tl"."__fc_p4") AS "__fc_t4",
    max("tl"."__fc_p5") FILTER (WHERE "tl"."__fc_tile" > "r_2"."__fc_tile" - 86400000000) AS "__fc_t5",
    CAST(min("tl"."__fc_p6" COLLATE "C") AS TEXT) AS "__fc_t6"
  FROM "customer_orders__rows" AS "r_2"
  JOIN "customer_orders__tiles" AS "tl"
    ON "tl"."customer_id" = "r_2"."customer_id"
    AND "tl"."__fc_tile" < "r_2"."__fc_tile"
    AND "tl"."__fc_tile" > "r_2"."__fc_tile" - 604800000000
  GROUP BY "r_2"."__fc_row_id"
),
"customer_orders__edge_sums" AS (
  -- aggregation view customer_orders: per entity row, the raw events at the edges of its windows: those of tile s(t)
  -- before t ("__fc_w" = 0), and for each window w those of tile s(t) - w at or after t - w
  SELECT "g"."__fc_row_id",
    count(*) FILTER (WHERE "g"."__fc_w" IN (0, 7200000000)) AS "__fc_e1",
    count(*) FILTER (WHERE "g"."__fc_w" IN (0, 86400000000) AND "ev"."__fc_f1") AS "__fc_e2",
    sum("ev"."__fc_v1") FILTER (WHERE "g"."__fc_w" IN (0, 604800000000)) AS "__fc_e3",
    count("ev"."__fc_v1") FILTER (WHERE "g"."__fc_w" IN (0, 604800000000)) AS "__fc_e4",
    max("ev"."__fc_v1") FILTER (WHERE "g"."__fc_w" IN (0, 86400000000)) AS "__fc_e5",
    CAST(min("ev"."__fc_v2" COLLATE "C") FILTER (WHERE "g"."__fc_w" IN (0, 604800000000)) AS TEXT) AS "__fc_e6"
  FROM (
    SELECT "r_2"."__fc_row_id", "r_2"."customer_id", "r_2"."__fc_us",
      "r_2"."__fc_tile" - x."__fc_w" AS "__fc_tile", x."__fc_w"
    FROM "customer_orders__rows" AS "r_2"
    CROSS JOIN (VALUES (CAST(0 AS BIGINT)), (7200000000), (86400000000), (604800000000)) AS x("__fc_w")
  ) AS "g"
  JOIN "customer_orders__events" AS "ev"
    ON "ev"."customer_id" = "g"."customer_id"
    AND "ev"."__fc_tile" = "g"."__fc_tile"
    AND (("g"."__fc_w" = 0 AND "ev"."__fc_us" < "g"."__fc_us")
      OR ("g"."__fc_w" > 0 AND "ev"."__fc_us" >= "g"."__fc_us" - "g"."__fc_w"))
  GROUP BY "g"."__fc_row_id"
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
  -- aggregation view store_visits (aggregate-join: forced tiles, but tiles cannot compute last): per entity row, the aggregates over the events of its
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
  CAST(COALESCE("customer_orders__t"."__fc_t1", 0) + COALESCE("customer_orders__e"."__fc_e1", 0) AS BIGINT) AS "customer_orders__orders_2h",
  CAST(COALESCE("customer_orders__t"."__fc_t2", 0) + COALESCE("customer_orders__e"."__fc_e2", 0) AS BIGINT) AS "customer_orders__paid_1d",
  CAST(COALESCE("customer_orders__t"."__fc_t3" + "customer_orders__e"."__fc_e3", "customer_orders__t"."__fc_t3", "customer_orders__e"."__fc_e3") AS DOUBLE PRECISION) AS "customer_orders__amount_sum_7d",
  CAST(COALESCE("customer_orders__t"."__fc_t3" + "customer_orders__e"."__fc_e3", "customer_orders__t"."__fc_t3", "customer_orders__e"."__fc_e3") AS DOUBLE PRECISION) / CAST(NULLIF(COALESCE("customer_orders__t"."__fc_t4", 0) + COALESCE("customer_orders__e"."__fc_e4", 0), 0) AS DOUBLE PRECISION) AS "customer_orders__amount_avg_7d",
  greatest("customer_orders__t"."__fc_t5", "customer_orders__e"."__fc_e5") AS "customer_orders__amount_max_1d",
  CAST(least("customer_orders__t"."__fc_t6" COLLATE "C", "customer_orders__e"."__fc_e6" COLLATE "C") AS TEXT) AS "customer_orders__status_min_7d",
  COALESCE("a2"."__fc_visits_life", 0) AS "store_visits__visits_life",
  "a2"."__fc_spend_sum_30d" AS "store_visits__spend_sum_30d",
  "a2"."__fc_last_page_30d" AS "store_visits__last_page_30d"
FROM "entity_rows" AS "entity_rows"
LEFT JOIN "customer_orders__tile_sums" AS "customer_orders__t" ON "customer_orders__t"."__fc_row_id" = "entity_rows"."__fc_row_id"
LEFT JOIN "customer_orders__edge_sums" AS "customer_orders__e" ON "customer_orders__e"."__fc_row_id" = "entity_rows"."__fc_row_id"
LEFT JOIN "store_visits__aggregates" AS "a2" ON "a2"."__fc_row_id" = "entity_rows"."__fc_row_id"
ORDER BY "entity_rows"."__fc_row_id"
