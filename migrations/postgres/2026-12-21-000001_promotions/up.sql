-- Sales and promotion plans (src/promotions): a promotion of a unit (its subtree is the
-- territory) with its participants, products, categories and the targets it supports; the
-- costs booked against it (promotion cost facts, by external id like the other facts); and the
-- visits of daily reports that executed it.

CREATE TABLE promotions (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('price_discount', 'volume_bonus', 'display', 'sampling', 'dealer_incentive', 'other')),
    description         text,
    org_unit_id         uuid NOT NULL REFERENCES org_units (id),
    starts_on           date NOT NULL,
    ends_on             date NOT NULL CHECK (ends_on >= starts_on),
    budget_minor        bigint NOT NULL CHECK (budget_minor >= 0),
    expected_uplift_pct double precision NOT NULL,
    status              text NOT NULL CHECK (status IN ('draft', 'approved', 'running', 'completed', 'cancelled')),
    created_by          uuid NOT NULL REFERENCES users (id),
    approved_by         uuid REFERENCES users (id),
    approved_at         timestamptz,
    started_at          timestamptz,
    completed_at        timestamptz,
    cancelled_by        uuid REFERENCES users (id),
    cancelled_at        timestamptz,
    cancel_reason       text,
    version             bigint NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX promotions_unit_idx ON promotions (org_unit_id);
-- The lifecycle pass looks for approved and running promotions by their days.
CREATE INDEX promotions_status_idx ON promotions (status, starts_on, ends_on);

-- Who and what takes part: units (each with its subtree), dealers, customers, products, and
-- the targets the promotion supports.
CREATE TABLE promotion_links (
    promotion_id uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
    link_type    text NOT NULL CHECK (link_type IN ('unit', 'dealer', 'customer', 'product', 'target')),
    linked_id    uuid NOT NULL,
    PRIMARY KEY (promotion_id, link_type, linked_id)
);
CREATE INDEX promotion_links_linked_idx ON promotion_links (link_type, linked_id);

CREATE TABLE promotion_categories (
    promotion_id uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
    category     text NOT NULL,
    PRIMARY KEY (promotion_id, category)
);

-- What was spent on a promotion: from daily report visits (`report`) or booked by the ERP for
-- dealers and others (`erp`). `org_unit_id` is the promotion's unit (which never changes), so
-- that the change feed reaches a cost like its promotion.
CREATE TABLE promotion_cost_facts (
    id             uuid PRIMARY KEY,
    external_id    text,
    promotion_id   uuid NOT NULL REFERENCES promotions (id),
    org_unit_id    uuid NOT NULL REFERENCES org_units (id),
    spent_on       date NOT NULL,
    salesperson_id uuid REFERENCES users (id),
    dealer_id      uuid REFERENCES dealers (id),
    customer_id    uuid REFERENCES customers (id),
    amount_minor   bigint NOT NULL,
    note           text,
    source         text NOT NULL CHECK (source IN ('report', 'erp')),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        bigint NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX promotion_cost_facts_external_id_key ON promotion_cost_facts (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX promotion_cost_facts_promotion_idx ON promotion_cost_facts (promotion_id, spent_on, amount_minor);

-- A visit of a daily report may execute a promotion (a display set up, samples handed out)
-- and say what it spent on it.
ALTER TABLE report_visits ADD COLUMN promotion_id uuid REFERENCES promotions (id);
ALTER TABLE report_visits ADD COLUMN promotion_spend_minor bigint NOT NULL DEFAULT 0;
CREATE INDEX report_visits_promotion_idx ON report_visits (promotion_id) WHERE promotion_id IS NOT NULL;
