-- The platform: org tree, users, sessions, idempotency, settings.

CREATE TABLE org_units (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    code        text,
    parent_id   uuid REFERENCES org_units (id),
    manager_id  uuid,
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX org_units_parent_idx ON org_units (parent_id);
CREATE INDEX org_units_manager_idx ON org_units (manager_id);
CREATE UNIQUE INDEX org_units_code_key ON org_units (code) WHERE code IS NOT NULL;
-- Exactly one root: the company.
CREATE UNIQUE INDEX org_units_single_root ON org_units ((parent_id IS NULL)) WHERE parent_id IS NULL;

CREATE TABLE users (
    id                uuid PRIMARY KEY,
    email             text NOT NULL,
    email_normalized  text NOT NULL,
    name              text NOT NULL,
    role              text NOT NULL CHECK (role IN ('admin', 'executive', 'manager', 'supervisor', 'salesperson', 'dealer', 'integration')),
    org_unit_id       uuid NOT NULL REFERENCES org_units (id),
    hired_on          date,
    active            boolean NOT NULL DEFAULT true,
    password_hash     text NOT NULL,
    token_version     bigint NOT NULL DEFAULT 1,
    version           bigint NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email_normalized);
CREATE INDEX users_org_unit_idx ON users (org_unit_id);

ALTER TABLE org_units ADD CONSTRAINT org_units_manager_fk FOREIGN KEY (manager_id) REFERENCES users (id);

CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    family_id   uuid NOT NULL,
    token_hash  text NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE login_failures (
    id          uuid PRIMARY KEY,
    throttle_key text NOT NULL,
    failed_at   timestamptz NOT NULL
);
CREATE INDEX login_failures_key_idx ON login_failures (throttle_key, failed_at);

CREATE TABLE idempotency_keys (
    user_id          uuid NOT NULL REFERENCES users (id),
    idem_key         text NOT NULL,
    request_hash     text NOT NULL,
    response_status  integer,
    response_body    text,
    response_headers text,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE settings (
    id          integer PRIMARY KEY CHECK (id = 1),
    data        text NOT NULL,
    version     bigint NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE server_secrets (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    created_at  timestamptz NOT NULL
);
