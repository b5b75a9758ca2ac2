-- Market reports and complaints, their escalations, notifications, the event outbox and webhooks.

CREATE TABLE market_reports (
    id                  uuid PRIMARY KEY,
    reporter_id         uuid NOT NULL REFERENCES users (id),
    org_unit_id         uuid NOT NULL REFERENCES org_units (id),
    category            text NOT NULL CHECK (category IN ('competitor_promotion', 'competitor_new_product', 'pricing', 'dealer_complaint', 'customer_personnel_change', 'supply', 'other')),
    severity            text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    title               text NOT NULL,
    description         text NOT NULL,
    daily_report_id     uuid,
    status              text NOT NULL CHECK (status IN ('open', 'acknowledged', 'closed')),
    acknowledged_by     uuid REFERENCES users (id),
    acknowledged_at     timestamptz,
    closed_by           uuid REFERENCES users (id),
    closed_at           timestamptz,
    escalation_level    integer NOT NULL DEFAULT 1,
    next_escalation_at  timestamptz,
    version             bigint NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX market_reports_unit_idx ON market_reports (org_unit_id);
CREATE INDEX market_reports_reporter_idx ON market_reports (reporter_id);
CREATE INDEX market_reports_escalation_idx ON market_reports (next_escalation_at) WHERE next_escalation_at IS NOT NULL;

CREATE TABLE market_report_links (
    market_report_id  uuid NOT NULL REFERENCES market_reports (id) ON DELETE CASCADE,
    link_type         text NOT NULL CHECK (link_type IN ('customer', 'product', 'competitor')),
    linked_id         uuid NOT NULL,
    PRIMARY KEY (market_report_id, link_type, linked_id)
);

CREATE TABLE complaints (
    id                  uuid PRIMARY KEY,
    reporter_id         uuid NOT NULL REFERENCES users (id),
    org_unit_id         uuid NOT NULL REFERENCES org_units (id),
    customer_id         uuid NOT NULL REFERENCES customers (id),
    product_id          uuid REFERENCES products (id),
    title               text NOT NULL,
    description         text NOT NULL,
    severity            text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    received_at         timestamptz NOT NULL,
    assignee_id         uuid NOT NULL REFERENCES users (id),
    status              text NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed', 'reopened')),
    resolution          text,
    resolution_due_at   timestamptz NOT NULL,
    acknowledged_by     uuid REFERENCES users (id),
    acknowledged_at     timestamptz,
    resolved_at         timestamptz,
    closed_at           timestamptz,
    overdue_notified_at timestamptz,
    escalation_level    integer NOT NULL DEFAULT 1,
    next_escalation_at  timestamptz,
    version             bigint NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX complaints_unit_idx ON complaints (org_unit_id);
CREATE INDEX complaints_assignee_idx ON complaints (assignee_id);
CREATE INDEX complaints_escalation_idx ON complaints (next_escalation_at) WHERE next_escalation_at IS NOT NULL;
CREATE INDEX complaints_due_idx ON complaints (resolution_due_at) WHERE overdue_notified_at IS NULL;

CREATE TABLE escalations (
    id            uuid PRIMARY KEY,
    item_type     text NOT NULL CHECK (item_type IN ('market_report', 'complaint')),
    item_id       uuid NOT NULL,
    level         integer NOT NULL,
    escalated_to  uuid NOT NULL REFERENCES users (id),
    reason        text NOT NULL,
    created_at    timestamptz NOT NULL,
    UNIQUE (item_type, item_id, level)
);

CREATE TABLE notifications (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id),
    event_id       uuid NOT NULL,
    event_type     text NOT NULL,
    title          text NOT NULL,
    resource_type  text NOT NULL,
    resource_id    uuid NOT NULL,
    read_at        timestamptz,
    created_at     timestamptz NOT NULL
);
CREATE INDEX notifications_user_idx ON notifications (user_id, read_at, id);

CREATE TABLE outbox_events (
    id             uuid PRIMARY KEY,
    event_type     text NOT NULL,
    resource_type  text NOT NULL,
    resource_id    uuid NOT NULL,
    payload        text NOT NULL,
    created_at     timestamptz NOT NULL
);

CREATE TABLE webhooks (
    id           uuid PRIMARY KEY,
    url          text NOT NULL,
    secret       text NOT NULL,
    event_types  text NOT NULL,
    active       boolean NOT NULL DEFAULT true,
    created_by   uuid NOT NULL REFERENCES users (id),
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE webhook_deliveries (
    id                uuid PRIMARY KEY,
    webhook_id        uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id          uuid NOT NULL REFERENCES outbox_events (id),
    status            text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL,
    last_status_code  integer,
    last_error        text,
    delivered_at      timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
