-- fcompile: materialization of feature view stock (incremental), inside materialize's
-- transaction (_begin.sql … _commit.sql): per entity, the row training returns at T = end.
-- The end time (and the start time, but for a full run) are parameters: see the query's comment.
DROP TABLE IF EXISTS "shop"."mat__stock__fc_new";

CREATE TABLE "shop"."mat__stock__fc_new" AS
-- fcompile materialization query for feature view stock, PostgreSQL.
-- The latest row per entity as of the end time (within ttl): exactly what training returns
-- for an entity row at T = end (rows with a NULL key match no entity, so they are left out).
-- Incremental: merges the previous materialization, "shop"."mat__stock",
-- with the view's rows since the start: the last end time, or for a view over a push source
-- with lateness the last end - lateness (a late event pushed offline can be that old). Rows the
-- previous materialization already holds are read again: taking the latest is idempotent.
-- Set the bounds first, e.g.
--   SET fcompile.end_time = '2025-06-01 00:00:00';
--   SET fcompile.start_time = '2025-05-01 00:00:00';  -- the last end time (- lateness over a push source)
SELECT DISTINCT ON ("store_id", "product_id")
  "store_id",
  "product_id",
  __fc_ts AS "snapshot_ts",
  __fc_created AS "loaded_at",
  "on_hand",
  "reserved"
FROM (
  SELECT
    "store_id",
    "product_id",
    CAST("snapshot_ts" AS TIMESTAMP) AS __fc_ts,
    "loaded_at" AS __fc_created,
    CAST("on_hand" AS BIGINT) AS "on_hand",
    CAST("reserved" AS INTEGER) AS "reserved"
  FROM "shop"."mat__stock"
  WHERE "snapshot_ts" <= CAST(current_setting('fcompile.end_time') AS TIMESTAMP)
    AND "snapshot_ts" >= CAST(current_setting('fcompile.end_time') AS TIMESTAMP) - INTERVAL '12 hours'
  UNION ALL
  SELECT
    "store_id",
    "product_id",
    CAST("snapshot_ts" AS TIMESTAMP) AS __fc_ts,
    "loaded_at" AS __fc_created,
    CAST("on_hand" AS BIGINT) AS "on_hand",
    CAST("reserved" AS INTEGER) AS "reserved"
  FROM "raw"."inventory"
  WHERE "snapshot_ts" IS NOT NULL
    AND "store_id" IS NOT NULL
    AND "product_id" IS NOT NULL
    AND "snapshot_ts" <= CAST(current_setting('fcompile.end_time') AS TIMESTAMP)
    AND "snapshot_ts" >= CAST(current_setting('fcompile.end_time') AS TIMESTAMP) - INTERVAL '12 hours'
    AND "snapshot_ts" >= CAST(current_setting('fcompile.start_time') AS TIMESTAMP)
) AS rows
ORDER BY "store_id", "product_id", __fc_ts DESC, __fc_created DESC NULLS LAST, "on_hand" DESC NULLS LAST, "reserved" DESC NULLS LAST;

DROP TABLE IF EXISTS "shop"."mat__stock";

ALTER TABLE "shop"."mat__stock__fc_new" RENAME TO "mat__stock";

-- The watermark of the view (its row count is returned to fcompile).
INSERT INTO "shop"."fc_materializations" (view_name, end_time, start_time, mode, row_count, view_hash, materialized_at)
VALUES ('stock', CAST(current_setting('fcompile.end_time') AS TIMESTAMP), CAST(current_setting('fcompile.start_time') AS TIMESTAMP), 'incremental', (SELECT count(*) FROM "shop"."mat__stock"), 'sha256:ae816889b8a2940514ecb3620ea39c7f35a441b0500c36d6f3cbc32d88c7941a', CAST(now() AS TIMESTAMP))
ON CONFLICT (view_name) DO UPDATE SET
  end_time = EXCLUDED.end_time, start_time = EXCLUDED.start_time, mode = EXCLUDED.mode,
  row_count = EXCLUDED.row_count, view_hash = EXCLUDED.view_hash, materialized_at = EXCLUDED.materialized_at
RETURNING row_count;
