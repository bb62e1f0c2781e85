-- fcompile: materialization of feature view price_changes (incremental), inside materialize's
-- transaction (_begin.sql … _commit.sql): per entity, the row training returns at T = end.
-- The end time (and the start time, but for a full run) are parameters: see the query's comment.
DROP TABLE IF EXISTS "shop"."mat__price_changes__fc_new";

CREATE TABLE "shop"."mat__price_changes__fc_new" AS
-- fcompile materialization query for feature view price_changes, DuckDB.
-- The latest row per entity as of the end time (within ttl): exactly what training returns
-- for an entity row at T = end (rows with a NULL key match no entity, so they are left out).
-- Incremental: merges the previous materialization, "shop"."mat__price_changes",
-- with the view's rows since the start: the last end time, or for a view over a push source
-- with lateness the last end - lateness (a late event pushed offline can be that old). Rows the
-- previous materialization already holds are read again: taking the latest is idempotent.
-- Set the bounds first, e.g.
--   SET VARIABLE fc_end = TIMESTAMP '2025-06-01 00:00:00';
--   SET VARIABLE fc_start = TIMESTAMP '2025-05-01 00:00:00';  -- the last end time (- lateness over a push source)
WITH rows AS (
  SELECT
    "product_id",
    CAST("ts" AS TIMESTAMP) AS __fc_ts,
    CAST("price" AS DOUBLE) AS "price",
    CAST("is_promo" AS BOOLEAN) AS "is_promo"
  FROM "shop"."mat__price_changes"
  WHERE "ts" <= getvariable('fc_end')
  UNION ALL
  SELECT
    "product_id",
    CAST("ts" AS TIMESTAMP) AS __fc_ts,
    CAST("price" AS DOUBLE) AS "price",
    CAST("is_promo" AS BOOLEAN) AS "is_promo"
  FROM "shop"."view__price_changes"
  WHERE "ts" IS NOT NULL
    AND "product_id" IS NOT NULL
    AND CAST("ts" AS TIMESTAMP) <= getvariable('fc_end')
    AND CAST("ts" AS TIMESTAMP) >= getvariable('fc_start')
)
SELECT
  "product_id",
  __fc_ts AS "ts",
  "price",
  "is_promo"
FROM rows
QUALIFY row_number() OVER (
  PARTITION BY "product_id"
  ORDER BY __fc_ts DESC, "price" DESC NULLS LAST, "is_promo" DESC NULLS LAST
) = 1;

DROP TABLE IF EXISTS "shop"."mat__price_changes";

ALTER TABLE "shop"."mat__price_changes__fc_new" RENAME TO "mat__price_changes";

-- The watermark of the view (its row count is returned to fcompile).
INSERT INTO "shop"."fc_materializations" (view_name, end_time, start_time, mode, row_count, view_hash, materialized_at)
VALUES ('price_changes', getvariable('fc_end'), getvariable('fc_start'), 'incremental', (SELECT count(*) FROM "shop"."mat__price_changes"), 'sha256:c4ed854247bee516d0770174743b44b108775d2e2febbace8cc6d75d569290eb', CAST(now() AS TIMESTAMP))
ON CONFLICT (view_name) DO UPDATE SET
  end_time = EXCLUDED.end_time, start_time = EXCLUDED.start_time, mode = EXCLUDED.mode,
  row_count = EXCLUDED.row_count, view_hash = EXCLUDED.view_hash, materialized_at = EXCLUDED.materialized_at
RETURNING row_count;
