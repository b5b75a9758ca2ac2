-- On PostgreSQL this migration turns the statement triggers that keep each customer's last
-- visit into row triggers guarded by `WHEN counted`. The SQLite triggers of
-- 2026-12-24-000002_customer_last_visits already are; the migration exists so that both
-- backends carry the same names.
SELECT 1;
