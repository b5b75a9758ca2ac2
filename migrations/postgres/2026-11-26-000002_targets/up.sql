-- Master data (customers, dealers, products, competitors), targets and their breakdown,
-- sales and payment facts.

CREATE TABLE dealers (
    id           uuid PRIMARY KEY,
    code         text NOT NULL,
    name         text NOT NULL,
    org_unit_id  uuid NOT NULL REFERENCES org_units (id),
    external_id  text,
    archived_at  timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX dealers_code_key ON dealers (code);
CREATE UNIQUE INDEX dealers_external_id_key ON dealers (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX dealers_org_unit_idx ON dealers (org_unit_id);

-- A dealer user reads the targets and progress of its dealer only.
ALTER TABLE users ADD COLUMN dealer_id uuid REFERENCES dealers (id);

CREATE TABLE customers (
    id           uuid PRIMARY KEY,
    code         text NOT NULL,
    name         text NOT NULL,
    kind         text,
    org_unit_id  uuid NOT NULL REFERENCES org_units (id),
    owner_id     uuid NOT NULL REFERENCES users (id),
    status       text NOT NULL CHECK (status IN ('prospect', 'active', 'dormant', 'lost')),
    activated_on date,
    latitude     double precision,
    longitude    double precision,
    external_id  text,
    archived_at  timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX customers_code_key ON customers (code);
CREATE UNIQUE INDEX customers_external_id_key ON customers (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX customers_org_unit_idx ON customers (org_unit_id);
CREATE INDEX customers_owner_idx ON customers (owner_id);
CREATE INDEX customers_activated_idx ON customers (activated_on);

CREATE TABLE products (
    id               uuid PRIMARY KEY,
    sku              text NOT NULL,
    name             text NOT NULL,
    category         text NOT NULL,
    list_price_minor bigint,
    unit_cost_minor  bigint,
    external_id      text,
    archived_at      timestamptz,
    version          bigint NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX products_sku_key ON products (sku);
CREATE UNIQUE INDEX products_external_id_key ON products (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX products_category_idx ON products (category);

CREATE TABLE competitors (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    notes        text,
    external_id  text,
    archived_at  timestamptz,
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX competitors_name_key ON competitors (name);
CREATE UNIQUE INDEX competitors_external_id_key ON competitors (external_id) WHERE external_id IS NOT NULL;

CREATE TABLE targets (
    id           uuid PRIMARY KEY,
    metric       text NOT NULL CHECK (metric IN ('sales_amount', 'gross_profit', 'collections', 'new_customers', 'visits')),
    period_type  text NOT NULL CHECK (period_type IN ('year', 'quarter', 'month', 'week')),
    period_start date NOT NULL,
    period_end   date NOT NULL,
    value        bigint NOT NULL CHECK (value >= 0),
    unit_id      uuid REFERENCES org_units (id),
    user_id      uuid REFERENCES users (id),
    dealer_id    uuid REFERENCES dealers (id),
    category     text,
    parent_id    uuid REFERENCES targets (id),
    created_by   uuid NOT NULL REFERENCES users (id),
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CHECK ((unit_id IS NOT NULL)::int + (user_id IS NOT NULL)::int + (dealer_id IS NOT NULL)::int = 1),
    CHECK (period_end >= period_start)
);
CREATE INDEX targets_parent_idx ON targets (parent_id);
CREATE INDEX targets_unit_idx ON targets (unit_id);
CREATE INDEX targets_user_idx ON targets (user_id);
CREATE INDEX targets_dealer_idx ON targets (dealer_id);
CREATE INDEX targets_period_idx ON targets (period_start, period_end);

CREATE TABLE sales_facts (
    id             uuid PRIMARY KEY,
    external_id    text,
    sold_on        date NOT NULL,
    salesperson_id uuid NOT NULL REFERENCES users (id),
    dealer_id      uuid REFERENCES dealers (id),
    customer_id    uuid REFERENCES customers (id),
    product_id     uuid REFERENCES products (id),
    category       text,
    revenue_minor  bigint NOT NULL,
    cost_minor     bigint NOT NULL,
    source         text NOT NULL CHECK (source IN ('report', 'erp')),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX sales_facts_external_id_key ON sales_facts (external_id) WHERE external_id IS NOT NULL;
-- Covers the progress rollup (a day range grouped by salesperson and dealer) without
-- touching the table.
CREATE INDEX sales_facts_rollup_idx ON sales_facts (sold_on, salesperson_id, dealer_id, source, category, revenue_minor, cost_minor);

CREATE TABLE payment_facts (
    id             uuid PRIMARY KEY,
    external_id    text,
    paid_on        date NOT NULL,
    salesperson_id uuid NOT NULL REFERENCES users (id),
    dealer_id      uuid REFERENCES dealers (id),
    customer_id    uuid REFERENCES customers (id),
    amount_minor   bigint NOT NULL,
    source         text NOT NULL CHECK (source IN ('report', 'erp')),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX payment_facts_external_id_key ON payment_facts (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX payment_facts_rollup_idx ON payment_facts (paid_on, salesperson_id, dealer_id, source, amount_minor);
