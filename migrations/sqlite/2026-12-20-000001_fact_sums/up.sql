-- Sums of the sales and payment facts per day and per month, kept by triggers in the same
-- transaction as every write to the facts, whatever writes them. Progress reads a window as its
-- whole months plus the days at its edges, so its cost follows people and days, not facts.
-- `dealer_key` is the dealer or the nil uuid, `category` the category or '' (a key has no NULL).
-- Sales are summed per reconciliation state (what counts depends on `money_facts_source`), with
-- their gross profit as `facts::reconcile` defines it: a report order given as an
-- amount without lines (no product) has no known cost and counts toward no gross profit.
CREATE TABLE sales_fact_sums (
    grain          text NOT NULL CHECK (grain IN ('day', 'month')),
    period_start   date NOT NULL,
    salesperson_id TEXT NOT NULL,
    dealer_key     TEXT NOT NULL,
    category       text NOT NULL,
    reconciliation text NOT NULL,
    revenue_minor  bigint NOT NULL,
    profit_minor   bigint NOT NULL,
    PRIMARY KEY (grain, period_start, salesperson_id, dealer_key, category, reconciliation)
) WITHOUT ROWID;

CREATE TABLE payment_fact_sums (
    grain          text NOT NULL CHECK (grain IN ('day', 'month')),
    period_start   date NOT NULL,
    salesperson_id TEXT NOT NULL,
    dealer_key     TEXT NOT NULL,
    source         text NOT NULL,
    amount_minor   bigint NOT NULL,
    PRIMARY KEY (grain, period_start, salesperson_id, dealer_key, source)
) WITHOUT ROWID;

-- Row triggers (SQLite has no statement triggers): each adds its new row, takes away its old one.
CREATE TRIGGER sales_fact_sums_insert AFTER INSERT ON sales_facts BEGIN
    INSERT INTO sales_fact_sums
    VALUES ('day', NEW.sold_on, NEW.salesperson_id, COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'),
            COALESCE(NEW.category, ''), NEW.reconciliation, NEW.revenue_minor,
            (CASE WHEN NEW.product_id IS NULL AND NEW.reconciliation IN ('reported_only', 'confirmed', 'not_invoiced') THEN 0 ELSE NEW.revenue_minor - NEW.cost_minor END)),
           ('month', date(NEW.sold_on, 'start of month'), NEW.salesperson_id,
            COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'), COALESCE(NEW.category, ''),
            NEW.reconciliation, NEW.revenue_minor, (CASE WHEN NEW.product_id IS NULL AND NEW.reconciliation IN ('reported_only', 'confirmed', 'not_invoiced') THEN 0 ELSE NEW.revenue_minor - NEW.cost_minor END))
    ON CONFLICT (grain, period_start, salesperson_id, dealer_key, category, reconciliation)
    DO UPDATE SET revenue_minor = revenue_minor + excluded.revenue_minor,
                  profit_minor = profit_minor + excluded.profit_minor;
END;
CREATE TRIGGER sales_fact_sums_update AFTER UPDATE ON sales_facts BEGIN
    INSERT INTO sales_fact_sums
    VALUES ('day', OLD.sold_on, OLD.salesperson_id, COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'),
            COALESCE(OLD.category, ''), OLD.reconciliation, -OLD.revenue_minor,
            -(CASE WHEN OLD.product_id IS NULL AND OLD.reconciliation IN ('reported_only', 'confirmed', 'not_invoiced') THEN 0 ELSE OLD.revenue_minor - OLD.cost_minor END)),
           ('month', date(OLD.sold_on, 'start of month'), OLD.salesperson_id,
            COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'), COALESCE(OLD.category, ''),
            OLD.reconciliation, -OLD.revenue_minor, -(CASE WHEN OLD.product_id IS NULL AND OLD.reconciliation IN ('reported_only', 'confirmed', 'not_invoiced') THEN 0 ELSE OLD.revenue_minor - OLD.cost_minor END))
    ON CONFLICT (grain, period_start, salesperson_id, dealer_key, category, reconciliation)
    DO UPDATE SET revenue_minor = revenue_minor + excluded.revenue_minor,
                  profit_minor = profit_minor + excluded.profit_minor;
    INSERT INTO sales_fact_sums
    VALUES ('day', NEW.sold_on, NEW.salesperson_id, COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'),
            COALESCE(NEW.category, ''), NEW.reconciliation, NEW.revenue_minor,
            (CASE WHEN NEW.product_id IS NULL AND NEW.reconciliation IN ('reported_only', 'confirmed', 'not_invoiced') THEN 0 ELSE NEW.revenue_minor - NEW.cost_minor END)),
           ('month', date(NEW.sold_on, 'start of month'), NEW.salesperson_id,
            COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'), COALESCE(NEW.category, ''),
            NEW.reconciliation, NEW.revenue_minor, (CASE WHEN NEW.product_id IS NULL AND NEW.reconciliation IN ('reported_only', 'confirmed', 'not_invoiced') THEN 0 ELSE NEW.revenue_minor - NEW.cost_minor END))
    ON CONFLICT (grain, period_start, salesperson_id, dealer_key, category, reconciliation)
    DO UPDATE SET revenue_minor = revenue_minor + excluded.revenue_minor,
                  profit_minor = profit_minor + excluded.profit_minor;
END;
CREATE TRIGGER sales_fact_sums_delete AFTER DELETE ON sales_facts BEGIN
    INSERT INTO sales_fact_sums
    VALUES ('day', OLD.sold_on, OLD.salesperson_id, COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'),
            COALESCE(OLD.category, ''), OLD.reconciliation, -OLD.revenue_minor,
            -(CASE WHEN OLD.product_id IS NULL AND OLD.reconciliation IN ('reported_only', 'confirmed', 'not_invoiced') THEN 0 ELSE OLD.revenue_minor - OLD.cost_minor END)),
           ('month', date(OLD.sold_on, 'start of month'), OLD.salesperson_id,
            COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'), COALESCE(OLD.category, ''),
            OLD.reconciliation, -OLD.revenue_minor, -(CASE WHEN OLD.product_id IS NULL AND OLD.reconciliation IN ('reported_only', 'confirmed', 'not_invoiced') THEN 0 ELSE OLD.revenue_minor - OLD.cost_minor END))
    ON CONFLICT (grain, period_start, salesperson_id, dealer_key, category, reconciliation)
    DO UPDATE SET revenue_minor = revenue_minor + excluded.revenue_minor,
                  profit_minor = profit_minor + excluded.profit_minor;
END;

CREATE TRIGGER payment_fact_sums_insert AFTER INSERT ON payment_facts BEGIN
    INSERT INTO payment_fact_sums
    VALUES ('day', NEW.paid_on, NEW.salesperson_id, COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'),
            NEW.source, NEW.amount_minor),
           ('month', date(NEW.paid_on, 'start of month'), NEW.salesperson_id,
            COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'), NEW.source, NEW.amount_minor)
    ON CONFLICT (grain, period_start, salesperson_id, dealer_key, source)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
END;
CREATE TRIGGER payment_fact_sums_update AFTER UPDATE ON payment_facts BEGIN
    INSERT INTO payment_fact_sums
    VALUES ('day', OLD.paid_on, OLD.salesperson_id, COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'),
            OLD.source, -OLD.amount_minor),
           ('month', date(OLD.paid_on, 'start of month'), OLD.salesperson_id,
            COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'), OLD.source, -OLD.amount_minor)
    ON CONFLICT (grain, period_start, salesperson_id, dealer_key, source)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
    INSERT INTO payment_fact_sums
    VALUES ('day', NEW.paid_on, NEW.salesperson_id, COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'),
            NEW.source, NEW.amount_minor),
           ('month', date(NEW.paid_on, 'start of month'), NEW.salesperson_id,
            COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'), NEW.source, NEW.amount_minor)
    ON CONFLICT (grain, period_start, salesperson_id, dealer_key, source)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
END;
CREATE TRIGGER payment_fact_sums_delete AFTER DELETE ON payment_facts BEGIN
    INSERT INTO payment_fact_sums
    VALUES ('day', OLD.paid_on, OLD.salesperson_id, COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'),
            OLD.source, -OLD.amount_minor),
           ('month', date(OLD.paid_on, 'start of month'), OLD.salesperson_id,
            COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'), OLD.source, -OLD.amount_minor)
    ON CONFLICT (grain, period_start, salesperson_id, dealer_key, source)
    DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
END;

-- The facts already stored.
INSERT INTO sales_fact_sums
SELECT 'day', sold_on, salesperson_id, COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'), COALESCE(category, ''),
       reconciliation, SUM(revenue_minor), SUM(CASE WHEN product_id IS NULL AND reconciliation IN ('reported_only', 'confirmed', 'not_invoiced') THEN 0 ELSE revenue_minor - cost_minor END)
  FROM sales_facts GROUP BY 1, 2, 3, 4, 5, 6
UNION ALL
SELECT 'month', date(sold_on, 'start of month'), salesperson_id, COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'),
       COALESCE(category, ''), reconciliation, SUM(revenue_minor), SUM(CASE WHEN product_id IS NULL AND reconciliation IN ('reported_only', 'confirmed', 'not_invoiced') THEN 0 ELSE revenue_minor - cost_minor END)
  FROM sales_facts GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO payment_fact_sums
SELECT 'day', paid_on, salesperson_id, COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'), source, SUM(amount_minor)
  FROM payment_facts GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT 'month', date(paid_on, 'start of month'), salesperson_id, COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'),
       source, SUM(amount_minor)
  FROM payment_facts GROUP BY 1, 2, 3, 4, 5;
