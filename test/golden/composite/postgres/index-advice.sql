-- fcompile: indexes the point-in-time queries want on tables fcompile reads but does not own.
-- `fcompile run` creates them on its own tables; run these on yours (CONCURRENTLY on busy tables).
-- The INCLUDE columns let a lookup read only the index (an index-only scan, once VACUUM has
-- marked the table's pages all-visible); an older fcompile's index on just (join keys, timestamp)
-- is then redundant. Where a table holds one row per (join keys, timestamp), create the index
-- UNIQUE instead: `train` then skips the tie-break among rows with equal timestamps (the
-- lookup-unique shape, docs/training.md).
-- for feature view stock
CREATE INDEX IF NOT EXISTS "fc_inventory_store_id_product_id_snapshot_ts_6e6caaa3" ON "raw"."inventory" ("store_id", "product_id", "snapshot_ts") INCLUDE ("loaded_at", "on_hand", "reserved");
