-- Sums of the sales and payment facts per customer, per day and over all time, kept by
-- triggers in the same transaction as every write to the facts, whatever writes them (facts
-- without a customer are left out). What a customer bought up to a day is its total less its
-- days after that day, so the overdue payments and the abnormal customers read a few days per
-- customer, not every fact of its history. The total's `period_start` is 0001-01-01.
CREATE TABLE customer_sales_sums (
    grain          text NOT NULL CHECK (grain IN ('day', 'total')),
    period_start   date NOT NULL,
    customer_id    TEXT NOT NULL,
    reconciliation text NOT NULL,
    revenue_minor  bigint NOT NULL,
    PRIMARY KEY (grain, period_start, customer_id, reconciliation)
) WITHOUT ROWID;
CREATE INDEX customer_sales_sums_customer_idx ON customer_sales_sums (customer_id, period_start)
    WHERE grain = 'day';

CREATE TABLE customer_payment_sums (
    grain          text NOT NULL CHECK (grain IN ('day', 'total')),
    period_start   date NOT NULL,
    customer_id    TEXT NOT NULL,
    source         text NOT NULL,
    amount_minor   bigint NOT NULL,
    PRIMARY KEY (grain, period_start, customer_id, source)
) WITHOUT ROWID;

-- Row triggers (SQLite has no statement triggers): each adds its new row, takes away its old one.
CREATE TRIGGER customer_sales_sums_insert AFTER INSERT ON sales_facts BEGIN
    INSERT INTO customer_sales_sums (grain, period_start, customer_id, reconciliation, revenue_minor)
    SELECT g.grain, CASE g.grain WHEN 'day' THEN NEW.sold_on ELSE '0001-01-01' END,
           NEW.customer_id, NEW.reconciliation, NEW.revenue_minor
      FROM (SELECT 'day' AS grain UNION ALL SELECT 'total') g
     WHERE NEW.customer_id IS NOT NULL
    ON CONFLICT (grain, period_start, customer_id, reconciliation)
    DO UPDATE SET revenue_minor = revenue_minor + excluded.revenue_minor;
END;

CREATE TRIGGER customer_sales_sums_update AFTER UPDATE ON sales_facts BEGIN
    INSERT INTO customer_sales_sums (grain, period_start, customer_id, reconciliation, revenue_minor)
    SELECT g.grain, CASE g.grain WHEN 'day' THEN OLD.sold_on ELSE '0001-01-01' END,
           OLD.customer_id, OLD.reconciliation, -OLD.revenue_minor
      FROM (SELECT 'day' AS grain UNION ALL SELECT 'total') g
     WHERE OLD.customer_id IS NOT NULL
    ON CONFLICT (grain, period_start, customer_id, reconciliation)
    DO UPDATE SET revenue_minor = revenue_minor + excluded.revenue_minor;
    INSERT INTO customer_sales_sums (grain, period_start, customer_id, reconciliation, revenue_minor)
    SELECT g.grain, CASE g.grain WHEN 'day' THEN NEW.sold_on ELSE '0001-01-01' END,
           NEW.customer_id, NEW.reconciliation, NEW.revenue_minor
      FROM (SELECT 'day' AS grain UNION ALL SELECT 'total') g
     WHERE NEW.customer_id IS NOT NULL
    ON CONFLICT (grain, period_start, customer_id, reconciliation)
    DO UPDATE SET revenue_minor = revenue_minor + excluded.revenue_minor;
END;

CREATE TRIGGER customer_sales_sums_delete AFTER DELETE ON sales_facts BEGIN
    INSERT INTO customer_sales_sums (grain, period_start, customer_id, reconciliation, revenue_minor)
    SELECT g.grain, CASE g.grain WHEN 'day' THEN OLD.sold_on ELSE '0001-01-01' END,
           OLD.customer_id, OLD.reconciliation, -OLD.revenue_minor
      FROM (SELECT 'day' AS grain UNION ALL SELECT 'total') g
     WHERE OLD.customer_id IS NOT NULL
    ON CONFLICT (grain, period_start, customer_id, reconciliation)
    DO UPDATE SET revenue_minor = revenue_minor + excluded.revenue_minor;
END;

CREATE TRIGGER customer_payment_sums_insert AFTER INSERT ON payment_facts BEGIN
    INSERT INTO customer_payment_sums (grain, period_start, customer_id, source, amount_minor)
    SELECT g.grain, CASE g.grain WHEN 'day' THEN NEW.paid_on ELSE '0001-01-01' END,
           NEW.customer_id, NEW.source, NEW.amount_minor
      FROM (SELECT 'day' AS grain UNION ALL SELECT 'total') g
     WHERE NEW.customer_id IS NOT NULL
    ON CONFLICT (grain, period_start, customer_id, source)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
END;

CREATE TRIGGER customer_payment_sums_update AFTER UPDATE ON payment_facts BEGIN
    INSERT INTO customer_payment_sums (grain, period_start, customer_id, source, amount_minor)
    SELECT g.grain, CASE g.grain WHEN 'day' THEN OLD.paid_on ELSE '0001-01-01' END,
           OLD.customer_id, OLD.source, -OLD.amount_minor
      FROM (SELECT 'day' AS grain UNION ALL SELECT 'total') g
     WHERE OLD.customer_id IS NOT NULL
    ON CONFLICT (grain, period_start, customer_id, source)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
    INSERT INTO customer_payment_sums (grain, period_start, customer_id, source, amount_minor)
    SELECT g.grain, CASE g.grain WHEN 'day' THEN NEW.paid_on ELSE '0001-01-01' END,
           NEW.customer_id, NEW.source, NEW.amount_minor
      FROM (SELECT 'day' AS grain UNION ALL SELECT 'total') g
     WHERE NEW.customer_id IS NOT NULL
    ON CONFLICT (grain, period_start, customer_id, source)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
END;

CREATE TRIGGER customer_payment_sums_delete AFTER DELETE ON payment_facts BEGIN
    INSERT INTO customer_payment_sums (grain, period_start, customer_id, source, amount_minor)
    SELECT g.grain, CASE g.grain WHEN 'day' THEN OLD.paid_on ELSE '0001-01-01' END,
           OLD.customer_id, OLD.source, -OLD.amount_minor
      FROM (SELECT 'day' AS grain UNION ALL SELECT 'total') g
     WHERE OLD.customer_id IS NOT NULL
    ON CONFLICT (grain, period_start, customer_id, source)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
END;

-- The facts already stored.
INSERT INTO customer_sales_sums
SELECT g.grain, CASE g.grain WHEN 'day' THEN f.sold_on ELSE '0001-01-01' END,
       f.customer_id, f.reconciliation, SUM(f.revenue_minor)
  FROM sales_facts f CROSS JOIN (SELECT 'day' AS grain UNION ALL SELECT 'total') g
 WHERE f.customer_id IS NOT NULL
 GROUP BY 1, 2, 3, 4;
INSERT INTO customer_payment_sums
SELECT g.grain, CASE g.grain WHEN 'day' THEN f.paid_on ELSE '0001-01-01' END,
       f.customer_id, f.source, SUM(f.amount_minor)
  FROM payment_facts f CROSS JOIN (SELECT 'day' AS grain UNION ALL SELECT 'total') g
 WHERE f.customer_id IS NOT NULL
 GROUP BY 1, 2, 3, 4;
