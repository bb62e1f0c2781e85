-- fcompile run: file sources loaded and SQL views built into schema push.
-- The files of this folder run in file order in one transaction (this one, until the commit
-- file): all or nothing. Run them with the session's time zone set to UTC.
BEGIN TRANSACTION;

-- Two of them on one schema wait for each other instead of interleaving.
SELECT pg_advisory_xact_lock(hashtext('fcompile:push'));

CREATE SCHEMA IF NOT EXISTS "push";
