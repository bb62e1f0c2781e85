-- fcompile: file source clicks (data/clicks.csv), loaded into "push"."source__clicks".
-- Built under a new name, then swapped in, inside the run's transaction (000_begin.sql).
DROP TABLE IF EXISTS "push"."source__clicks__fc_new";

-- The file's columns.
-- Declared types win; the others are typed from the file (docs/warehouses.md, "Types").
CREATE TABLE "push"."source__clicks__fc_new" (
  "customer_id" BIGINT, -- join key of customer: int64
  "ts" TIMESTAMP, -- timestamp of view last_click
  "page" TEXT -- feature of view last_click: string
);

-- Data: `fcompile run` streams the file here as CSV with a header, written by DuckDB:
--   COPY (SELECT CAST("customer_id" AS BIGINT) AS "customer_id", CAST("ts" AS TIMESTAMP) AS "ts", CAST("page" AS VARCHAR) AS "page" FROM read_csv('data/clicks.csv')) TO 'file.csv' (HEADER)
-- By hand in psql, after that: \copy "push"."source__clicks__fc_new" ("customer_id", "ts", "page") FROM 'file.csv' (FORMAT csv, HEADER true)
COPY "push"."source__clicks__fc_new" ("customer_id", "ts", "page") FROM STDIN (FORMAT csv, HEADER true);

-- A push source: every row pushed offline is kept in "push"."pushed__clicks" and added back
-- here (docs/push.md, "Offline").
CREATE TABLE IF NOT EXISTS "push"."pushed__clicks" (LIKE "push"."source__clicks__fc_new");

INSERT INTO "push"."source__clicks__fc_new" ("customer_id", "ts", "page")
SELECT "customer_id", "ts", "page" FROM "push"."pushed__clicks" AS p;

-- The index the point-in-time lookups of the views over this table walk (docs/warehouses.md).
CREATE INDEX ON "push"."source__clicks__fc_new" ("customer_id", "ts");

ANALYZE "push"."source__clicks__fc_new";

DROP TABLE IF EXISTS "push"."source__clicks";

ALTER TABLE "push"."source__clicks__fc_new" RENAME TO "source__clicks";
