-- Market reports (SQLite: ids and instants are text) and complaints, their escalations, notifications, the event outbox and webhooks.

CREATE TABLE market_reports (
    id                  TEXT PRIMARY KEY NOT NULL,
    reporter_id         TEXT NOT NULL REFERENCES users (id),
    org_unit_id         TEXT NOT NULL REFERENCES org_units (id),
    category            TEXT NOT NULL CHECK (category IN ('competitor_promotion', 'competitor_new_product', 'pricing', 'dealer_complaint', 'customer_personnel_change', 'supply', 'other')),
    severity            TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    title               TEXT NOT NULL,
    description         TEXT NOT NULL,
    daily_report_id     TEXT,
    status              TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'closed')),
    acknowledged_by     TEXT REFERENCES users (id),
    acknowledged_at     TEXT,
    closed_by           TEXT REFERENCES users (id),
    closed_at           TEXT,
    escalation_level    INTEGER NOT NULL DEFAULT 1,
    next_escalation_at  TEXT,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX market_reports_unit_idx ON market_reports (org_unit_id);
CREATE INDEX market_reports_reporter_idx ON market_reports (reporter_id);
CREATE INDEX market_reports_escalation_idx ON market_reports (next_escalation_at) WHERE next_escalation_at IS NOT NULL;

CREATE TABLE market_report_links (
    market_report_id  TEXT NOT NULL REFERENCES market_reports (id) ON DELETE CASCADE,
    link_type         TEXT NOT NULL CHECK (link_type IN ('customer', 'product', 'competitor')),
    linked_id         TEXT NOT NULL,
    PRIMARY KEY (market_report_id, link_type, linked_id)
);

CREATE TABLE complaints (
    id                  TEXT PRIMARY KEY NOT NULL,
    reporter_id         TEXT NOT NULL REFERENCES users (id),
    org_unit_id         TEXT NOT NULL REFERENCES org_units (id),
    customer_id         TEXT NOT NULL REFERENCES customers (id),
    product_id          TEXT REFERENCES products (id),
    title               TEXT NOT NULL,
    description         TEXT NOT NULL,
    severity            TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    received_at         TEXT NOT NULL,
    assignee_id         TEXT NOT NULL REFERENCES users (id),
    status              TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed', 'reopened')),
    resolution          text,
    resolution_due_at   TEXT NOT NULL,
    acknowledged_by     TEXT REFERENCES users (id),
    acknowledged_at     TEXT,
    resolved_at         TEXT,
    closed_at           TEXT,
    overdue_notified_at TEXT,
    escalation_level    INTEGER NOT NULL DEFAULT 1,
    next_escalation_at  TEXT,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX complaints_unit_idx ON complaints (org_unit_id);
CREATE INDEX complaints_assignee_idx ON complaints (assignee_id);
CREATE INDEX complaints_escalation_idx ON complaints (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
CREATE INDEX complaints_due_idx ON complaints (resolution_due_at) WHERE overdue_notified_at IS NULL;

CREATE TABLE escalations (
    id            TEXT PRIMARY KEY NOT NULL,
    item_type     TEXT NOT NULL CHECK (item_type IN ('market_report', 'complaint')),
    item_id       TEXT NOT NULL,
    level         INTEGER NOT NULL,
    escalated_to  TEXT NOT NULL REFERENCES users (id),
    reason        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (item_type, item_id, level)
);

CREATE TABLE notifications (
    id             TEXT PRIMARY KEY NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users (id),
    event_id       TEXT NOT NULL,
    event_type     TEXT NOT NULL,
    title          TEXT NOT NULL,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    read_at        TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX notifications_user_idx ON notifications (user_id, read_at, id);

CREATE TABLE outbox_events (
    id             TEXT PRIMARY KEY NOT NULL,
    event_type     TEXT NOT NULL,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    payload        TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE webhooks (
    id           TEXT PRIMARY KEY NOT NULL,
    url          TEXT NOT NULL,
    secret       TEXT NOT NULL,
    event_types  TEXT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT 1,
    created_by   TEXT NOT NULL REFERENCES users (id),
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id                TEXT PRIMARY KEY NOT NULL,
    webhook_id        TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id          TEXT NOT NULL REFERENCES outbox_events (id),
    status            TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TEXT NOT NULL,
    last_status_code  INTEGER,
    last_error        text,
    delivered_at      TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
