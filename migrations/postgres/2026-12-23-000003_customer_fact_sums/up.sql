-- Sums of the sales and payment facts per customer, per day and over all time, kept by
-- triggers in the same transaction as every write to the facts, whatever writes them (facts
-- without a customer are left out). What a customer bought up to a day is its total less its
-- days after that day, so the overdue payments and the abnormal customers read a few days per
-- customer, not every fact of its history. The total's `period_start` is 0001-01-01.
CREATE TABLE customer_sales_sums (
    grain          text NOT NULL CHECK (grain IN ('day', 'total')),
    period_start   date NOT NULL,
    customer_id    uuid NOT NULL,
    reconciliation text NOT NULL,
    revenue_minor  bigint NOT NULL,
    PRIMARY KEY (grain, period_start, customer_id, reconciliation)
);
CREATE INDEX customer_sales_sums_customer_idx ON customer_sales_sums (customer_id, period_start)
    WHERE grain = 'day';

CREATE TABLE customer_payment_sums (
    grain          text NOT NULL CHECK (grain IN ('day', 'total')),
    period_start   date NOT NULL,
    customer_id    uuid NOT NULL,
    source         text NOT NULL,
    amount_minor   bigint NOT NULL,
    PRIMARY KEY (grain, period_start, customer_id, source)
);

-- As the salesperson's sums (2026-12-20-000001_fact_sums): one statement-level trigger per
-- operation, one upsert in key order.
CREATE FUNCTION customer_sales_sums_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        INSERT INTO customer_sales_sums AS s
        SELECT g.grain,
               CASE g.grain WHEN 'day' THEN d.sold_on ELSE DATE '0001-01-01' END,
               d.customer_id, d.reconciliation, SUM(d.sign * d.revenue_minor)
          FROM (%s) d CROSS JOIN (VALUES ('day'), ('total')) g (grain)
         WHERE d.customer_id IS NOT NULL
         GROUP BY 1, 2, 3, 4
         ORDER BY 1, 2, 3, 4
        ON CONFLICT (grain, period_start, customer_id, reconciliation)
        DO UPDATE SET revenue_minor = s.revenue_minor + EXCLUDED.revenue_minor
    $q$, transition_deltas(TG_OP));
    RETURN NULL;
END $$;

CREATE FUNCTION customer_payment_sums_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        INSERT INTO customer_payment_sums AS s
        SELECT g.grain,
               CASE g.grain WHEN 'day' THEN d.paid_on ELSE DATE '0001-01-01' END,
               d.customer_id, d.source, SUM(d.sign * d.amount_minor)
          FROM (%s) d CROSS JOIN (VALUES ('day'), ('total')) g (grain)
         WHERE d.customer_id IS NOT NULL
         GROUP BY 1, 2, 3, 4
         ORDER BY 1, 2, 3, 4
        ON CONFLICT (grain, period_start, customer_id, source)
        DO UPDATE SET amount_minor = s.amount_minor + EXCLUDED.amount_minor
    $q$, transition_deltas(TG_OP));
    RETURN NULL;
END $$;

CREATE TRIGGER customer_sales_sums_insert AFTER INSERT ON sales_facts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_sales_sums_apply();
CREATE TRIGGER customer_sales_sums_update AFTER UPDATE ON sales_facts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer_sales_sums_apply();
CREATE TRIGGER customer_sales_sums_delete AFTER DELETE ON sales_facts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_sales_sums_apply();

CREATE TRIGGER customer_payment_sums_insert AFTER INSERT ON payment_facts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_payment_sums_apply();
CREATE TRIGGER customer_payment_sums_update AFTER UPDATE ON payment_facts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer_payment_sums_apply();
CREATE TRIGGER customer_payment_sums_delete AFTER DELETE ON payment_facts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_payment_sums_apply();

-- The facts already stored.
INSERT INTO customer_sales_sums
SELECT g.grain, CASE g.grain WHEN 'day' THEN f.sold_on ELSE DATE '0001-01-01' END,
       f.customer_id, f.reconciliation, SUM(f.revenue_minor)
  FROM sales_facts f CROSS JOIN (VALUES ('day'), ('total')) g (grain)
 WHERE f.customer_id IS NOT NULL
 GROUP BY 1, 2, 3, 4;
INSERT INTO customer_payment_sums
SELECT g.grain, CASE g.grain WHEN 'day' THEN f.paid_on ELSE DATE '0001-01-01' END,
       f.customer_id, f.source, SUM(f.amount_minor)
  FROM payment_facts f CROSS JOIN (VALUES ('day'), ('total')) g (grain)
 WHERE f.customer_id IS NOT NULL
 GROUP BY 1, 2, 3, 4;
