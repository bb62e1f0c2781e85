-- fcompile: file source clicks (data/clicks.csv), loaded into "push"."source__clicks".
-- Built under a new name, then swapped in, inside the run's transaction (000_begin.sql). Paths
-- are relative to the project folder (fcompile sets file_search_path to it). Declared types win:
-- join keys, view timestamps and features are cast; the other columns keep the types DuckDB reads.
DROP TABLE IF EXISTS "push"."source__clicks__fc_new";

CREATE TABLE "push"."source__clicks__fc_new" AS
SELECT * REPLACE (
  CAST("customer_id" AS BIGINT) AS "customer_id",
  CAST("ts" AS TIMESTAMP) AS "ts",
  CAST("page" AS VARCHAR) AS "page"
)
FROM read_csv('data/clicks.csv');

-- A push source: every row pushed offline is kept in "push"."pushed__clicks" and added back
-- here (docs/push.md, "Offline").
CREATE TABLE IF NOT EXISTS "push"."pushed__clicks" AS SELECT * FROM "push"."source__clicks__fc_new" LIMIT 0;

INSERT INTO "push"."source__clicks__fc_new" BY NAME
SELECT * FROM "push"."pushed__clicks" AS p;

DROP TABLE IF EXISTS "push"."source__clicks";

ALTER TABLE "push"."source__clicks__fc_new" RENAME TO "source__clicks";
