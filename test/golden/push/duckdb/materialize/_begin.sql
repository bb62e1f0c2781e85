-- fcompile materialize: the latest feature values per entity into schema push.
-- The files of this folder run in file order in one transaction (this one, until the commit
-- file): all or nothing. Run them with the session's time zone set to UTC.
BEGIN TRANSACTION;

CREATE SCHEMA IF NOT EXISTS "push";

-- Per view, what it was last materialized to: `materialize --incremental` continues from there.
CREATE TABLE IF NOT EXISTS "push"."fc_materializations" (
  view_name VARCHAR PRIMARY KEY,
  end_time TIMESTAMP NOT NULL,
  start_time TIMESTAMP,
  mode VARCHAR NOT NULL,
  row_count BIGINT NOT NULL,
  view_hash VARCHAR NOT NULL,
  materialized_at TIMESTAMP NOT NULL
);
