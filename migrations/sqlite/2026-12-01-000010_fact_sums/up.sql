-- Sums of the sales and payment facts per salesperson, dealer, (category,) source and day, and
-- per month: what progress, scorecards, weekly figures and the dashboards add up, so that a
-- year to date of a company of 2,000 salespeople reads some 20,000 monthly sums instead of
-- millions of facts. Triggers on the fact tables keep them, in the statement that writes the
-- facts, whichever way a fact is written (an ERP upload, a submitted daily report, a bulk
-- load). A missing dealer is the nil uuid and a missing category the empty text, so that no
-- key is NULL.
CREATE TABLE sales_fact_days (
    sold_on         date NOT NULL,
    salesperson_id  TEXT NOT NULL,
    dealer_key      TEXT NOT NULL,
    category_key    text NOT NULL,
    source          text NOT NULL,
    revenue_minor   bigint NOT NULL,
    cost_minor      bigint NOT NULL,
    facts           bigint NOT NULL,
    PRIMARY KEY (sold_on, salesperson_id, dealer_key, category_key, source)
) WITHOUT ROWID;
CREATE TABLE sales_fact_months (
    month_start     date NOT NULL,
    salesperson_id  TEXT NOT NULL,
    dealer_key      TEXT NOT NULL,
    category_key    text NOT NULL,
    source          text NOT NULL,
    revenue_minor   bigint NOT NULL,
    cost_minor      bigint NOT NULL,
    facts           bigint NOT NULL,
    PRIMARY KEY (month_start, salesperson_id, dealer_key, category_key, source)
) WITHOUT ROWID;
CREATE TABLE payment_fact_days (
    paid_on         date NOT NULL,
    salesperson_id  TEXT NOT NULL,
    dealer_key      TEXT NOT NULL,
    source          text NOT NULL,
    amount_minor    bigint NOT NULL,
    facts           bigint NOT NULL,
    PRIMARY KEY (paid_on, salesperson_id, dealer_key, source)
) WITHOUT ROWID;
CREATE TABLE payment_fact_months (
    month_start     date NOT NULL,
    salesperson_id  TEXT NOT NULL,
    dealer_key      TEXT NOT NULL,
    source          text NOT NULL,
    amount_minor    bigint NOT NULL,
    facts           bigint NOT NULL,
    PRIMARY KEY (month_start, salesperson_id, dealer_key, source)
) WITHOUT ROWID;

-- A signed change to the facts (a new fact counted, an old one taken back), written into both
-- sums by the INSTEAD OF triggers below; the fact tables' triggers write here.
CREATE VIEW sales_fact_changes AS
    SELECT sold_on, salesperson_id, dealer_key, category_key, source,
           revenue_minor, cost_minor, facts AS sign
    FROM sales_fact_days WHERE 0;
CREATE TRIGGER sales_fact_changes_add INSTEAD OF INSERT ON sales_fact_changes BEGIN
    INSERT INTO sales_fact_days VALUES (
        NEW.sold_on, NEW.salesperson_id, NEW.dealer_key, NEW.category_key, NEW.source,
        NEW.sign * NEW.revenue_minor, NEW.sign * NEW.cost_minor, NEW.sign)
    ON CONFLICT (sold_on, salesperson_id, dealer_key, category_key, source) DO UPDATE SET
        revenue_minor = revenue_minor + excluded.revenue_minor,
        cost_minor = cost_minor + excluded.cost_minor,
        facts = facts + excluded.facts;
    INSERT INTO sales_fact_months VALUES (
        substr(NEW.sold_on, 1, 7) || '-01', NEW.salesperson_id, NEW.dealer_key,
        NEW.category_key, NEW.source,
        NEW.sign * NEW.revenue_minor, NEW.sign * NEW.cost_minor, NEW.sign)
    ON CONFLICT (month_start, salesperson_id, dealer_key, category_key, source) DO UPDATE SET
        revenue_minor = revenue_minor + excluded.revenue_minor,
        cost_minor = cost_minor + excluded.cost_minor,
        facts = facts + excluded.facts;
END;
CREATE VIEW payment_fact_changes AS
    SELECT paid_on, salesperson_id, dealer_key, source, amount_minor, facts AS sign
    FROM payment_fact_days WHERE 0;
CREATE TRIGGER payment_fact_changes_add INSTEAD OF INSERT ON payment_fact_changes BEGIN
    INSERT INTO payment_fact_days VALUES (
        NEW.paid_on, NEW.salesperson_id, NEW.dealer_key, NEW.source,
        NEW.sign * NEW.amount_minor, NEW.sign)
    ON CONFLICT (paid_on, salesperson_id, dealer_key, source) DO UPDATE SET
        amount_minor = amount_minor + excluded.amount_minor,
        facts = facts + excluded.facts;
    INSERT INTO payment_fact_months VALUES (
        substr(NEW.paid_on, 1, 7) || '-01', NEW.salesperson_id, NEW.dealer_key, NEW.source,
        NEW.sign * NEW.amount_minor, NEW.sign)
    ON CONFLICT (month_start, salesperson_id, dealer_key, source) DO UPDATE SET
        amount_minor = amount_minor + excluded.amount_minor,
        facts = facts + excluded.facts;
END;

CREATE TRIGGER sales_facts_sums_insert AFTER INSERT ON sales_facts BEGIN
    INSERT INTO sales_fact_changes VALUES (
        NEW.sold_on, NEW.salesperson_id,
        COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'),
        COALESCE(NEW.category, ''), NEW.source, NEW.revenue_minor, NEW.cost_minor, 1);
END;
CREATE TRIGGER sales_facts_sums_update
AFTER UPDATE OF sold_on, salesperson_id, dealer_id, category, source, revenue_minor, cost_minor
ON sales_facts BEGIN
    INSERT INTO sales_fact_changes VALUES (
        OLD.sold_on, OLD.salesperson_id,
        COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'),
        COALESCE(OLD.category, ''), OLD.source, OLD.revenue_minor, OLD.cost_minor, -1);
    INSERT INTO sales_fact_changes VALUES (
        NEW.sold_on, NEW.salesperson_id,
        COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'),
        COALESCE(NEW.category, ''), NEW.source, NEW.revenue_minor, NEW.cost_minor, 1);
END;
CREATE TRIGGER sales_facts_sums_delete AFTER DELETE ON sales_facts BEGIN
    INSERT INTO sales_fact_changes VALUES (
        OLD.sold_on, OLD.salesperson_id,
        COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'),
        COALESCE(OLD.category, ''), OLD.source, OLD.revenue_minor, OLD.cost_minor, -1);
END;
CREATE TRIGGER payment_facts_sums_insert AFTER INSERT ON payment_facts BEGIN
    INSERT INTO payment_fact_changes VALUES (
        NEW.paid_on, NEW.salesperson_id,
        COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'),
        NEW.source, NEW.amount_minor, 1);
END;
CREATE TRIGGER payment_facts_sums_update
AFTER UPDATE OF paid_on, salesperson_id, dealer_id, source, amount_minor ON payment_facts BEGIN
    INSERT INTO payment_fact_changes VALUES (
        OLD.paid_on, OLD.salesperson_id,
        COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'),
        OLD.source, OLD.amount_minor, -1);
    INSERT INTO payment_fact_changes VALUES (
        NEW.paid_on, NEW.salesperson_id,
        COALESCE(NEW.dealer_id, '00000000-0000-0000-0000-000000000000'),
        NEW.source, NEW.amount_minor, 1);
END;
CREATE TRIGGER payment_facts_sums_delete AFTER DELETE ON payment_facts BEGIN
    INSERT INTO payment_fact_changes VALUES (
        OLD.paid_on, OLD.salesperson_id,
        COALESCE(OLD.dealer_id, '00000000-0000-0000-0000-000000000000'),
        OLD.source, OLD.amount_minor, -1);
END;

-- The facts already stored.
INSERT INTO sales_fact_days
SELECT sold_on, salesperson_id, COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'),
       COALESCE(category, ''), source, SUM(revenue_minor), SUM(cost_minor), COUNT(*)
FROM sales_facts GROUP BY 1, 2, 3, 4, 5;
INSERT INTO sales_fact_months
SELECT substr(sold_on, 1, 7) || '-01', salesperson_id,
       COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'), COALESCE(category, ''),
       source, SUM(revenue_minor), SUM(cost_minor), COUNT(*)
FROM sales_facts GROUP BY 1, 2, 3, 4, 5;
INSERT INTO payment_fact_days
SELECT paid_on, salesperson_id, COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'),
       source, SUM(amount_minor), COUNT(*)
FROM payment_facts GROUP BY 1, 2, 3, 4;
INSERT INTO payment_fact_months
SELECT substr(paid_on, 1, 7) || '-01', salesperson_id,
       COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'), source, SUM(amount_minor),
       COUNT(*)
FROM payment_facts GROUP BY 1, 2, 3, 4;
