-- fcompile: file source orders (data/orders.csv), loaded into "push"."source__orders".
-- Built under a new name, then swapped in, inside the run's transaction (000_begin.sql). Paths
-- are relative to the project folder (fcompile sets file_search_path to it). Declared types win:
-- join keys, view timestamps and features are cast; the other columns keep the types DuckDB reads.
DROP TABLE IF EXISTS "push"."source__orders__fc_new";

CREATE TABLE "push"."source__orders__fc_new" AS
SELECT * REPLACE (
  CAST("customer_id" AS BIGINT) AS "customer_id",
  CAST("order_ts" AS TIMESTAMP) AS "order_ts"
)
FROM read_csv('data/orders.csv');

-- A push source: every row pushed offline is kept in "push"."pushed__orders" and added back
-- here, except those whose "order_id" the file already has (docs/push.md, "Offline").
CREATE TABLE IF NOT EXISTS "push"."pushed__orders" AS SELECT * FROM "push"."source__orders__fc_new" LIMIT 0;

INSERT INTO "push"."source__orders__fc_new" BY NAME
SELECT * FROM "push"."pushed__orders" AS p
WHERE NOT EXISTS (SELECT 1 FROM "push"."source__orders__fc_new" AS f WHERE f."order_id" = p."order_id");

DROP TABLE IF EXISTS "push"."source__orders";

ALTER TABLE "push"."source__orders__fc_new" RENAME TO "source__orders";
