-- Sums of the sales and payment facts per salesperson, dealer, (category,) source and day, and
-- per month: what progress, scorecards, weekly figures and the dashboards add up, so that a
-- year to date of a company of 2,000 salespeople reads some 20,000 monthly sums instead of
-- millions of facts. Triggers on the fact tables keep them, in the statement that writes the
-- facts, whichever way a fact is written (an ERP upload, a submitted daily report, a bulk
-- load). A missing dealer is the nil uuid and a missing category the empty text, so that no
-- key is NULL.
CREATE TABLE sales_fact_days (
    sold_on         date NOT NULL,
    salesperson_id  uuid NOT NULL,
    dealer_key      uuid NOT NULL,
    category_key    text NOT NULL,
    source          text NOT NULL,
    revenue_minor   bigint NOT NULL,
    cost_minor      bigint NOT NULL,
    facts           bigint NOT NULL,
    PRIMARY KEY (sold_on, salesperson_id, dealer_key, category_key, source)
);
CREATE TABLE sales_fact_months (
    month_start     date NOT NULL,
    salesperson_id  uuid NOT NULL,
    dealer_key      uuid NOT NULL,
    category_key    text NOT NULL,
    source          text NOT NULL,
    revenue_minor   bigint NOT NULL,
    cost_minor      bigint NOT NULL,
    facts           bigint NOT NULL,
    PRIMARY KEY (month_start, salesperson_id, dealer_key, category_key, source)
);
CREATE TABLE payment_fact_days (
    paid_on         date NOT NULL,
    salesperson_id  uuid NOT NULL,
    dealer_key      uuid NOT NULL,
    source          text NOT NULL,
    amount_minor    bigint NOT NULL,
    facts           bigint NOT NULL,
    PRIMARY KEY (paid_on, salesperson_id, dealer_key, source)
);
CREATE TABLE payment_fact_months (
    month_start     date NOT NULL,
    salesperson_id  uuid NOT NULL,
    dealer_key      uuid NOT NULL,
    source          text NOT NULL,
    amount_minor    bigint NOT NULL,
    facts           bigint NOT NULL,
    PRIMARY KEY (month_start, salesperson_id, dealer_key, source)
);

-- One statement's change to the sales facts, added to both sums: the new rows counted, the old
-- ones taken back (an update does both), in key order so that concurrent writers of the same
-- sums wait for each other rather than deadlock.
CREATE FUNCTION sales_facts_to_sums() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    delta text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows'
    END;
BEGIN
    EXECUTE format($q$
        WITH d AS (
            SELECT sold_on, date_trunc('month', sold_on)::date AS month_start, salesperson_id,
                   COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000') AS dealer_key,
                   COALESCE(category, '') AS category_key, source, sign, revenue_minor, cost_minor
            FROM (%s) AS changed
        ), by_day AS (
            INSERT INTO sales_fact_days AS s
            SELECT sold_on, salesperson_id, dealer_key, category_key, source,
                   SUM(sign * revenue_minor), SUM(sign * cost_minor), SUM(sign)
            FROM d GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT (sold_on, salesperson_id, dealer_key, category_key, source) DO UPDATE SET
                revenue_minor = s.revenue_minor + EXCLUDED.revenue_minor,
                cost_minor = s.cost_minor + EXCLUDED.cost_minor,
                facts = s.facts + EXCLUDED.facts
        )
        INSERT INTO sales_fact_months AS s
        SELECT month_start, salesperson_id, dealer_key, category_key, source,
               SUM(sign * revenue_minor), SUM(sign * cost_minor), SUM(sign)
        FROM d GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (month_start, salesperson_id, dealer_key, category_key, source) DO UPDATE SET
            revenue_minor = s.revenue_minor + EXCLUDED.revenue_minor,
            cost_minor = s.cost_minor + EXCLUDED.cost_minor,
            facts = s.facts + EXCLUDED.facts
    $q$, delta);
    RETURN NULL;
END
$fn$;

CREATE FUNCTION payment_facts_to_sums() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    delta text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows'
    END;
BEGIN
    EXECUTE format($q$
        WITH d AS (
            SELECT paid_on, date_trunc('month', paid_on)::date AS month_start, salesperson_id,
                   COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000') AS dealer_key,
                   source, sign, amount_minor
            FROM (%s) AS changed
        ), by_day AS (
            INSERT INTO payment_fact_days AS s
            SELECT paid_on, salesperson_id, dealer_key, source, SUM(sign * amount_minor), SUM(sign)
            FROM d GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT (paid_on, salesperson_id, dealer_key, source) DO UPDATE SET
                amount_minor = s.amount_minor + EXCLUDED.amount_minor,
                facts = s.facts + EXCLUDED.facts
        )
        INSERT INTO payment_fact_months AS s
        SELECT month_start, salesperson_id, dealer_key, source, SUM(sign * amount_minor), SUM(sign)
        FROM d GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (month_start, salesperson_id, dealer_key, source) DO UPDATE SET
            amount_minor = s.amount_minor + EXCLUDED.amount_minor,
            facts = s.facts + EXCLUDED.facts
    $q$, delta);
    RETURN NULL;
END
$fn$;

CREATE TRIGGER sales_facts_sums_insert AFTER INSERT ON sales_facts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_facts_to_sums();
CREATE TRIGGER sales_facts_sums_update AFTER UPDATE ON sales_facts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sales_facts_to_sums();
CREATE TRIGGER sales_facts_sums_delete AFTER DELETE ON sales_facts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_facts_to_sums();
CREATE TRIGGER payment_facts_sums_insert AFTER INSERT ON payment_facts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_facts_to_sums();
CREATE TRIGGER payment_facts_sums_update AFTER UPDATE ON payment_facts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION payment_facts_to_sums();
CREATE TRIGGER payment_facts_sums_delete AFTER DELETE ON payment_facts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_facts_to_sums();

-- The facts already stored.
INSERT INTO sales_fact_days
SELECT sold_on, salesperson_id, COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'),
       COALESCE(category, ''), source, SUM(revenue_minor), SUM(cost_minor), COUNT(*)
FROM sales_facts GROUP BY 1, 2, 3, 4, 5;
INSERT INTO sales_fact_months
SELECT date_trunc('month', sold_on)::date, salesperson_id,
       COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'), COALESCE(category, ''),
       source, SUM(revenue_minor), SUM(cost_minor), COUNT(*)
FROM sales_facts GROUP BY 1, 2, 3, 4, 5;
INSERT INTO payment_fact_days
SELECT paid_on, salesperson_id, COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'),
       source, SUM(amount_minor), COUNT(*)
FROM payment_facts GROUP BY 1, 2, 3, 4;
INSERT INTO payment_fact_months
SELECT date_trunc('month', paid_on)::date, salesperson_id,
       COALESCE(dealer_id, '00000000-0000-0000-0000-000000000000'), source, SUM(amount_minor),
       COUNT(*)
FROM payment_facts GROUP BY 1, 2, 3, 4;
