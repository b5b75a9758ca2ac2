-- The platform: org tree, users, sessions, idempotency, settings.
-- Ids are hyphenated uuid text; instants are fixed-width RFC 3339 UTC text.

CREATE TABLE org_units (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    code        TEXT,
    parent_id   TEXT REFERENCES org_units (id),
    manager_id  TEXT REFERENCES users (id),
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX org_units_parent_idx ON org_units (parent_id);
CREATE INDEX org_units_manager_idx ON org_units (manager_id);
CREATE UNIQUE INDEX org_units_code_key ON org_units (code) WHERE code IS NOT NULL;
CREATE UNIQUE INDEX org_units_single_root ON org_units ((parent_id IS NULL)) WHERE parent_id IS NULL;

CREATE TABLE users (
    id                TEXT PRIMARY KEY NOT NULL,
    email             TEXT NOT NULL,
    email_normalized  TEXT NOT NULL,
    name              TEXT NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('admin', 'executive', 'manager', 'supervisor', 'salesperson', 'dealer', 'integration')),
    org_unit_id       TEXT NOT NULL REFERENCES org_units (id),
    hired_on          DATE,
    active            BOOLEAN NOT NULL DEFAULT 1,
    password_hash     TEXT NOT NULL,
    token_version     BIGINT NOT NULL DEFAULT 1,
    version           BIGINT NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email_normalized);
CREATE INDEX users_org_unit_idx ON users (org_unit_id);

CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    family_id   TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE login_failures (
    id           TEXT PRIMARY KEY NOT NULL,
    throttle_key TEXT NOT NULL,
    failed_at    TEXT NOT NULL
);
CREATE INDEX login_failures_key_idx ON login_failures (throttle_key, failed_at);

CREATE TABLE idempotency_keys (
    user_id          TEXT NOT NULL REFERENCES users (id),
    idem_key         TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    response_status  INTEGER,
    response_body    TEXT,
    response_headers TEXT,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE settings (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    data        TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL
);

CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
