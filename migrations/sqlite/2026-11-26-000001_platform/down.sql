DROP TABLE server_secrets;
DROP TABLE settings;
DROP TABLE idempotency_keys;
DROP TABLE login_failures;
DROP TABLE refresh_tokens;
DROP TABLE users;
DROP TABLE org_units;
