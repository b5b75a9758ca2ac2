-- On PostgreSQL this migration adds the triggers that tell every instance a caller changed
-- (src/auth/callers.rs). On SQLite callers are not remembered between requests, so there is
-- nothing to add; the migration exists so that both backends carry the same names.
SELECT 1;
