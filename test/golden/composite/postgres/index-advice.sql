-- fcompile: indexes the point-in-time queries want on tables fcompile reads but does not own.
-- `fcompile run` creates them on its own tables; run these on yours (CONCURRENTLY on busy tables).
-- for feature view stock
CREATE INDEX IF NOT EXISTS "fc_inventory_store_id_product_id_snapshot_ts" ON "raw"."inventory" ("store_id", "product_id", "snapshot_ts");
