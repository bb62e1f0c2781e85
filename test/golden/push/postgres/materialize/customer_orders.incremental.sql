-- fcompile: materialization of feature view customer_orders (incremental), inside materialize's
-- transaction (_begin.sql … _commit.sql): per entity, the row training returns at T = end.
-- The end time (and the start time, but for a full run) are parameters: see the query's comment.
DROP TABLE IF EXISTS "push"."mat__customer_orders__fc_new";

CREATE TABLE "push"."mat__customer_orders__fc_new" AS
-- fcompile: the online state of aggregation view customer_orders at the end time: one row per event,
-- those of [end - 7d, end) (its longest window), with each aggregated
-- value and filter flag; `load` packs each entity's events, and a read finishes every aggregate
-- over the events of its window at the read time (docs/aggregations.md).
-- Incremental: the state up to the last end ("push"."mat__customer_orders"), without the events that
-- left the window and those at or after the start, and the events since the start (the last
-- end, or for a view over a push source with lateness the last end - lateness: the events of
-- [start, last end) are read again, with any late event pushed offline among them).
SELECT * FROM "push"."mat__customer_orders"
WHERE "__fc_ts" < CAST(current_setting('fcompile.start_time') AS TIMESTAMP)
  AND "__fc_ts" >= CAST(current_setting('fcompile.end_time') AS TIMESTAMP) - INTERVAL '7 days'
UNION ALL
SELECT
  "customer_id",
  CAST("order_ts" AS TIMESTAMP) AS "__fc_ts",
  CAST("amount" AS DOUBLE PRECISION) AS "__fc_v1",
  CAST("order_id" AS TEXT) AS "__fc_id"
FROM "push"."source__orders"
WHERE "order_ts" IS NOT NULL
  AND "customer_id" IS NOT NULL
  AND CAST("order_ts" AS TIMESTAMP) < CAST(current_setting('fcompile.end_time') AS TIMESTAMP)
  AND CAST("order_ts" AS TIMESTAMP) >= CAST(current_setting('fcompile.end_time') AS TIMESTAMP) - INTERVAL '7 days'
  AND CAST("order_ts" AS TIMESTAMP) >= CAST(current_setting('fcompile.start_time') AS TIMESTAMP);

DROP TABLE IF EXISTS "push"."mat__customer_orders";

ALTER TABLE "push"."mat__customer_orders__fc_new" RENAME TO "mat__customer_orders";

-- The watermark of the view (its row count is returned to fcompile).
INSERT INTO "push"."fc_materializations" (view_name, end_time, start_time, mode, row_count, view_hash, materialized_at)
VALUES ('customer_orders', CAST(current_setting('fcompile.end_time') AS TIMESTAMP), CAST(current_setting('fcompile.start_time') AS TIMESTAMP), 'incremental', (SELECT count(*) FROM "push"."mat__customer_orders"), 'sha256:d98c2ca9002117086c92fcd9d88e9f1d9f21576c33037d369cc40a1037888caf', CAST(now() AS TIMESTAMP))
ON CONFLICT (view_name) DO UPDATE SET
  end_time = EXCLUDED.end_time, start_time = EXCLUDED.start_time, mode = EXCLUDED.mode,
  row_count = EXCLUDED.row_count, view_hash = EXCLUDED.view_hash, materialized_at = EXCLUDED.materialized_at
RETURNING row_count;
