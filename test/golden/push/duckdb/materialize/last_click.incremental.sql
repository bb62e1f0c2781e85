-- fcompile: materialization of feature view last_click (incremental), inside materialize's
-- transaction (_begin.sql … _commit.sql): per entity, the row training returns at T = end.
-- The end time (and the start time, but for a full run) are parameters: see the query's comment.
DROP TABLE IF EXISTS "push"."mat__last_click__fc_new";

CREATE TABLE "push"."mat__last_click__fc_new" AS
-- fcompile materialization query for feature view last_click, DuckDB.
-- The latest row per entity as of the end time (within ttl): exactly what training returns
-- for an entity row at T = end (rows with a NULL key match no entity, so they are left out).
-- Incremental: merges the previous materialization, "push"."mat__last_click",
-- with the view's rows since the start: the last end time, or for a view over a push source
-- with lateness the last end - lateness (a late event pushed offline can be that old). Rows the
-- previous materialization already holds are read again: taking the latest is idempotent.
-- Set the bounds first, e.g.
--   SET VARIABLE fc_end = TIMESTAMP '2025-06-01 00:00:00';
--   SET VARIABLE fc_start = TIMESTAMP '2025-05-01 00:00:00';  -- the last end time (- lateness over a push source)
WITH rows AS (
  SELECT
    "customer_id",
    CAST("ts" AS TIMESTAMP) AS __fc_ts,
    CAST("page" AS VARCHAR) AS "page"
  FROM "push"."mat__last_click"
  WHERE "ts" <= getvariable('fc_end')
  UNION ALL
  SELECT
    "customer_id",
    CAST("ts" AS TIMESTAMP) AS __fc_ts,
    CAST("page" AS VARCHAR) AS "page"
  FROM "push"."source__clicks"
  WHERE "ts" IS NOT NULL
    AND "customer_id" IS NOT NULL
    AND CAST("ts" AS TIMESTAMP) <= getvariable('fc_end')
    AND CAST("ts" AS TIMESTAMP) >= getvariable('fc_start')
)
SELECT
  "customer_id",
  __fc_ts AS "ts",
  "page"
FROM rows
QUALIFY row_number() OVER (
  PARTITION BY "customer_id"
  ORDER BY __fc_ts DESC, "page" DESC NULLS LAST
) = 1;

DROP TABLE IF EXISTS "push"."mat__last_click";

ALTER TABLE "push"."mat__last_click__fc_new" RENAME TO "mat__last_click";

-- The watermark of the view (its row count is returned to fcompile).
INSERT INTO "push"."fc_materializations" (view_name, end_time, start_time, mode, row_count, view_hash, materialized_at)
VALUES ('last_click', getvariable('fc_end'), getvariable('fc_start'), 'incremental', (SELECT count(*) FROM "push"."mat__last_click"), 'sha256:08a83d5d329a2ad1568c78e7491e7671958bad4e5ffa99665be306757a9988f3', CAST(now() AS TIMESTAMP))
ON CONFLICT (view_name) DO UPDATE SET
  end_time = EXCLUDED.end_time, start_time = EXCLUDED.start_time, mode = EXCLUDED.mode,
  row_count = EXCLUDED.row_count, view_hash = EXCLUDED.view_hash, materialized_at = EXCLUDED.materialized_at
RETURNING row_count;
