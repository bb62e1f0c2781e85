-- fcompile run: file sources loaded and SQL views built into schema drivers.
-- The files of this folder run in file order in one transaction (this one, until the commit
-- file): all or nothing. Run them with the session's time zone set to UTC.
BEGIN TRANSACTION;

-- Two of them on one schema wait for each other instead of interleaving.
SELECT pg_advisory_xact_lock(hashtext('fcompile:drivers'));

CREATE SCHEMA IF NOT EXISTS "drivers";
