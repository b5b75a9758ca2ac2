DROP TABLE server_secrets;
DROP TABLE settings;
DROP TABLE idempotency_keys;
DROP TABLE login_failures;
DROP TABLE refresh_tokens;
ALTER TABLE org_units DROP CONSTRAINT org_units_manager_fk;
DROP TABLE users;
DROP TABLE org_units;
