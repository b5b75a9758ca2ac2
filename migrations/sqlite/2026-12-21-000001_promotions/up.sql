-- (SQLite: ids and instants are text) Sales and promotion plans (src/promotions): a promotion
-- of a unit (its subtree is the territory) with its participants, products, categories and the
-- targets it supports; the costs booked against it; and the visits that executed it.

CREATE TABLE promotions (
    id                  TEXT PRIMARY KEY NOT NULL,
    name                TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('price_discount', 'volume_bonus', 'display', 'sampling', 'dealer_incentive', 'other')),
    description         TEXT,
    org_unit_id         TEXT NOT NULL REFERENCES org_units (id),
    starts_on           date NOT NULL,
    ends_on             date NOT NULL CHECK (ends_on >= starts_on),
    budget_minor        bigint NOT NULL CHECK (budget_minor >= 0),
    expected_uplift_pct double precision NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'running', 'completed', 'cancelled')),
    created_by          TEXT NOT NULL REFERENCES users (id),
    approved_by         TEXT REFERENCES users (id),
    approved_at         TEXT,
    started_at          TEXT,
    completed_at        TEXT,
    cancelled_by        TEXT REFERENCES users (id),
    cancelled_at        TEXT,
    cancel_reason       TEXT,
    version             bigint NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX promotions_unit_idx ON promotions (org_unit_id);
CREATE INDEX promotions_status_idx ON promotions (status, starts_on, ends_on);

CREATE TABLE promotion_links (
    promotion_id TEXT NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
    link_type    TEXT NOT NULL CHECK (link_type IN ('unit', 'dealer', 'customer', 'product', 'target')),
    linked_id    TEXT NOT NULL,
    PRIMARY KEY (promotion_id, link_type, linked_id)
);
CREATE INDEX promotion_links_linked_idx ON promotion_links (link_type, linked_id);

CREATE TABLE promotion_categories (
    promotion_id TEXT NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
    category     TEXT NOT NULL,
    PRIMARY KEY (promotion_id, category)
);

CREATE TABLE promotion_cost_facts (
    id             TEXT PRIMARY KEY NOT NULL,
    external_id    TEXT,
    promotion_id   TEXT NOT NULL REFERENCES promotions (id),
    org_unit_id    TEXT NOT NULL REFERENCES org_units (id),
    spent_on       date NOT NULL,
    salesperson_id TEXT REFERENCES users (id),
    dealer_id      TEXT REFERENCES dealers (id),
    customer_id    TEXT REFERENCES customers (id),
    amount_minor   bigint NOT NULL,
    note           TEXT,
    source         TEXT NOT NULL CHECK (source IN ('report', 'erp')),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        bigint NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX promotion_cost_facts_external_id_key ON promotion_cost_facts (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX promotion_cost_facts_promotion_idx ON promotion_cost_facts (promotion_id, spent_on, amount_minor);

ALTER TABLE report_visits ADD COLUMN promotion_id TEXT REFERENCES promotions (id);
ALTER TABLE report_visits ADD COLUMN promotion_spend_minor bigint NOT NULL DEFAULT 0;
CREATE INDEX report_visits_promotion_idx ON report_visits (promotion_id) WHERE promotion_id IS NOT NULL;
