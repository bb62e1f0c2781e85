-- fcompile: file source orders (data/orders.csv), loaded into "push"."source__orders".
-- Built under a new name, then swapped in, inside the run's transaction (000_begin.sql).
DROP TABLE IF EXISTS "push"."source__orders__fc_new";

-- The file's columns.
-- Declared types win; the others are typed from the file (docs/warehouses.md, "Types").
CREATE TABLE "push"."source__orders__fc_new" (
  "order_id" BIGINT, -- file: BIGINT
  "customer_id" BIGINT, -- join key of customer: int64
  "order_ts" TIMESTAMP, -- timestamp of view customer_orders
  "amount" DOUBLE PRECISION -- file: DOUBLE
);

-- Data: `fcompile run` streams the file here as CSV with a header, written by DuckDB:
--   COPY (SELECT "order_id", CAST("customer_id" AS BIGINT) AS "customer_id", CAST("order_ts" AS TIMESTAMP) AS "order_ts", "amount" FROM read_csv('data/orders.csv')) TO 'file.csv' (HEADER)
-- By hand in psql, after that: \copy "push"."source__orders__fc_new" ("order_id", "customer_id", "order_ts", "amount") FROM 'file.csv' (FORMAT csv, HEADER true)
COPY "push"."source__orders__fc_new" ("order_id", "customer_id", "order_ts", "amount") FROM STDIN (FORMAT csv, HEADER true);

-- A push source: every row pushed offline is kept in "push"."pushed__orders" and added back
-- here, except those whose "order_id" the file already has (docs/push.md, "Offline").
CREATE TABLE IF NOT EXISTS "push"."pushed__orders" (LIKE "push"."source__orders__fc_new");

INSERT INTO "push"."source__orders__fc_new" ("order_id", "customer_id", "order_ts", "amount")
SELECT "order_id", "customer_id", "order_ts", "amount" FROM "push"."pushed__orders" AS p
WHERE NOT EXISTS (SELECT 1 FROM "push"."source__orders__fc_new" AS f WHERE f."order_id" = p."order_id");

-- The index the point-in-time lookups of the views over this table walk (docs/warehouses.md).
CREATE INDEX ON "push"."source__orders__fc_new" ("customer_id", "order_ts") INCLUDE ("amount");

ANALYZE "push"."source__orders__fc_new";

DROP TABLE IF EXISTS "push"."source__orders";

ALTER TABLE "push"."source__orders__fc_new" RENAME TO "source__orders";
