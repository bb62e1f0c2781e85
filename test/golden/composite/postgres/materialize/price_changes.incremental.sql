-- fcompile: materialization of feature view price_changes (incremental), inside materialize's
-- transaction (_begin.sql … _commit.sql): per entity, the row training returns at T = end.
-- The end time (and the start time, but for a full run) are parameters: see the query's comment.
DROP TABLE IF EXISTS "shop"."mat__price_changes__fc_new";

CREATE TABLE "shop"."mat__price_changes__fc_new" AS
-- fcompile materialization query for feature view price_changes, PostgreSQL.
-- The latest row per entity as of the end time (within ttl): exactly what training returns
-- for an entity row at T = end (rows with a NULL key match no entity, so they are left out).
-- Incremental: merges the previous materialization, "shop"."mat__price_changes",
-- with the view's rows since the start: the last end time, or for a view over a push source
-- with lateness the last end - lateness (a late event pushed offline can be that old). Rows the
-- previous materialization already holds are read again: taking the latest is idempotent.
-- Set the bounds first, e.g.
--   SET fcompile.end_time = '2025-06-01 00:00:00';
--   SET fcompile.start_time = '2025-05-01 00:00:00';  -- the last end time (- lateness over a push source)
SELECT DISTINCT ON ("product_id")
  "product_id",
  __fc_ts AS "ts",
  "price",
  "is_promo"
FROM (
  SELECT
    "product_id",
    CAST("ts" AS TIMESTAMP) AS __fc_ts,
    CAST("price" AS DOUBLE PRECISION) AS "price",
    CAST("is_promo" AS BOOLEAN) AS "is_promo"
  FROM "shop"."mat__price_changes"
  WHERE "ts" <= CAST(current_setting('fcompile.end_time') AS TIMESTAMP)
  UNION ALL
  SELECT
    "product_id",
    CAST("ts" AS TIMESTAMP) AS __fc_ts,
    CAST("price" AS DOUBLE PRECISION) AS "price",
    CAST("is_promo" AS BOOLEAN) AS "is_promo"
  FROM "shop"."view__price_changes"
  WHERE "ts" IS NOT NULL
    AND "product_id" IS NOT NULL
    AND "ts" <= CAST(current_setting('fcompile.end_time') AS TIMESTAMP)
    AND "ts" >= CAST(current_setting('fcompile.start_time') AS TIMESTAMP)
) AS rows
ORDER BY "product_id", __fc_ts DESC, "price" DESC NULLS LAST, "is_promo" DESC NULLS LAST;

DROP TABLE IF EXISTS "shop"."mat__price_changes";

ALTER TABLE "shop"."mat__price_changes__fc_new" RENAME TO "mat__price_changes";

-- The watermark of the view (its row count is returned to fcompile).
INSERT INTO "shop"."fc_materializations" (view_name, end_time, start_time, mode, row_count, view_hash, materialized_at)
VALUES ('price_changes', CAST(current_setting('fcompile.end_time') AS TIMESTAMP), CAST(current_setting('fcompile.start_time') AS TIMESTAMP), 'incremental', (SELECT count(*) FROM "shop"."mat__price_changes"), 'sha256:c4ed854247bee516d0770174743b44b108775d2e2febbace8cc6d75d569290eb', CAST(now() AS TIMESTAMP))
ON CONFLICT (view_name) DO UPDATE SET
  end_time = EXCLUDED.end_time, start_time = EXCLUDED.start_time, mode = EXCLUDED.mode,
  row_count = EXCLUDED.row_count, view_hash = EXCLUDED.view_hash, materialized_at = EXCLUDED.materialized_at
RETURNING row_count;
