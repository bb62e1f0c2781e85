-- After the commit, an optimization whose failure is ignored: VACUUM marks the pages
-- all-visible, which index-only scans need (else autovacuum does it, later).
VACUUM "push"."source__orders";

-- After the commit, an optimization whose failure is ignored: VACUUM marks the pages
-- all-visible, which index-only scans need (else autovacuum does it, later).
VACUUM "push"."source__clicks";
