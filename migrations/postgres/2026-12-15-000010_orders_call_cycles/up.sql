-- Issue 14: order lines, reconciliation of report orders with ERP sales by order reference,
-- and call cycles of customers.

-- What a visit's order is made of: a product, a quantity and the unit price (the list price
-- unless the salesperson gave another); the line amount is quantity x unit price.
CREATE TABLE report_order_lines (
    id                 uuid PRIMARY KEY,
    report_id          uuid NOT NULL REFERENCES daily_reports (id) ON DELETE CASCADE,
    visit_id           uuid NOT NULL REFERENCES report_visits (id) ON DELETE CASCADE,
    position           integer NOT NULL,
    product_id         uuid NOT NULL REFERENCES products (id),
    quantity           bigint NOT NULL CHECK (quantity > 0),
    unit_price_minor   bigint NOT NULL CHECK (unit_price_minor >= 0),
    line_amount_minor  bigint NOT NULL CHECK (line_amount_minor >= 0)
);
CREATE INDEX report_order_lines_report_idx ON report_order_lines (report_id);
CREATE INDEX report_order_lines_visit_idx ON report_order_lines (visit_id);

-- The order's reference (as the ERP will know it), which reconciles it with ERP sales.
ALTER TABLE report_visits ADD COLUMN order_ref text;
-- Coverage and overdue visits look up a customer's visits.
CREATE INDEX report_visits_customer_idx ON report_visits (customer_id);

-- A sales fact's order reference, quantity and where it stands against the other source.
ALTER TABLE sales_facts ADD COLUMN order_ref text;
ALTER TABLE sales_facts ADD COLUMN quantity bigint;
ALTER TABLE sales_facts ADD COLUMN reconciliation text NOT NULL DEFAULT 'reported_only'
    CHECK (reconciliation IN ('reported_only', 'confirmed', 'not_invoiced', 'erp_only', 'confirms_report'));
ALTER TABLE sales_facts ADD COLUMN superseded_by uuid;
UPDATE sales_facts SET reconciliation = 'erp_only' WHERE source = 'erp';
CREATE INDEX sales_facts_order_ref_idx ON sales_facts (order_ref) WHERE order_ref IS NOT NULL;
-- The rollup is filtered by what counts (the reconciliation) rather than by the source, and
-- leaves report orders without a product out of gross profit.
DROP INDEX sales_facts_rollup_idx;
CREATE INDEX sales_facts_rollup_idx ON sales_facts (sold_on, salesperson_id, dealer_id, reconciliation, category, revenue_minor, cost_minor, product_id);

-- How far the ERP has declared its sales complete: every sale on or before this day is in.
CREATE TABLE erp_periods (
    kind              text PRIMARY KEY CHECK (kind IN ('sales')),
    complete_through  date NOT NULL,
    updated_at        timestamptz NOT NULL
);

-- A customer's call cycle: how often it must be visited (every N weeks, or N visits a month)
-- and when it prefers to be visited.
ALTER TABLE customers ADD COLUMN visit_every_weeks integer CHECK (visit_every_weeks BETWEEN 1 AND 52);
ALTER TABLE customers ADD COLUMN visits_per_month integer CHECK (visits_per_month BETWEEN 1 AND 31);
ALTER TABLE customers ADD COLUMN preferred_visit_day text
    CHECK (preferred_visit_day IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'));
ALTER TABLE customers ADD COLUMN preferred_visit_from text;
ALTER TABLE customers ADD COLUMN preferred_visit_to text;
