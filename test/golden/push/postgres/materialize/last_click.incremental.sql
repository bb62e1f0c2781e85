-- fcompile: materialization of feature view last_click (incremental), inside materialize's
-- transaction (_begin.sql … _commit.sql): per entity, the row training returns at T = end.
-- The end time (and the start time, but for a full run) are parameters: see the query's comment.
DROP TABLE IF EXISTS "push"."mat__last_click__fc_new";

CREATE TABLE "push"."mat__last_click__fc_new" AS
-- fcompile materialization query for feature view last_click, PostgreSQL.
-- The latest row per entity as of the end time (within ttl): exactly what training returns
-- for an entity row at T = end (rows with a NULL key match no entity, so they are left out).
-- Incremental: merges the previous materialization, "push"."mat__last_click",
-- with the view's rows since the start: the last end time, or for a view over a push source
-- with lateness the last end - lateness (a late event pushed offline can be that old). Rows the
-- previous materialization already holds are read again: taking the latest is idempotent.
-- Set the bounds first, e.g.
--   SET fcompile.end_time = '2025-06-01 00:00:00';
--   SET fcompile.start_time = '2025-05-01 00:00:00';  -- the last end time (- lateness over a push source)
SELECT DISTINCT ON ("customer_id")
  "customer_id",
  __fc_ts AS "ts",
  "page"
FROM (
  SELECT
    "customer_id",
    CAST("ts" AS TIMESTAMP) AS __fc_ts,
    CAST("page" AS TEXT) AS "page"
  FROM "push"."mat__last_click"
  WHERE "ts" <= CAST(current_setting('fcompile.end_time') AS TIMESTAMP)
  UNION ALL
  SELECT
    "customer_id",
    CAST("ts" AS TIMESTAMP) AS __fc_ts,
    CAST("page" AS TEXT) AS "page"
  FROM "push"."source__clicks"
  WHERE "ts" IS NOT NULL
    AND "customer_id" IS NOT NULL
    AND "ts" <= CAST(current_setting('fcompile.end_time') AS TIMESTAMP)
    AND "ts" >= CAST(current_setting('fcompile.start_time') AS TIMESTAMP)
) AS rows
ORDER BY "customer_id", __fc_ts DESC, "page" COLLATE "C" DESC NULLS LAST;

DROP TABLE IF EXISTS "push"."mat__last_click";

ALTER TABLE "push"."mat__last_click__fc_new" RENAME TO "mat__last_click";

-- The watermark of the view (its row count is returned to fcompile).
INSERT INTO "push"."fc_materializations" (view_name, end_time, start_time, mode, row_count, view_hash, materialized_at)
VALUES ('last_click', CAST(current_setting('fcompile.end_time') AS TIMESTAMP), CAST(current_setting('fcompile.start_time') AS TIMESTAMP), 'incremental', (SELECT count(*) FROM "push"."mat__last_click"), 'sha256:08a83d5d329a2ad1568c78e7491e7671958bad4e5ffa99665be306757a9988f3', CAST(now() AS TIMESTAMP))
ON CONFLICT (view_name) DO UPDATE SET
  end_time = EXCLUDED.end_time, start_time = EXCLUDED.start_time, mode = EXCLUDED.mode,
  row_count = EXCLUDED.row_count, view_hash = EXCLUDED.view_hash, materialized_at = EXCLUDED.materialized_at
RETURNING row_count;
