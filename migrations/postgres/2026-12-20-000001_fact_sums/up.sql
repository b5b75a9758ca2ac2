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
    salesperson_id uuid NOT NULL,
    dealer_key     uuid NOT NULL,
    category       text NOT NULL,
    reconciliation text NOT NULL,
    revenue_minor  bigint NOT NULL,
    profit_minor   bigint NOT NULL,
    PRIMARY KEY (grain, period_start, salesperson_id, dealer_key, category, reconciliation)
);

CREATE TABLE payment_fact_sums (
    grain          text NOT NULL CHECK (grain IN ('day', 'month')),
    period_start   date NOT NULL,
    salesperson_id uuid NOT NULL,
    dealer_key     uuid NOT NULL,
    source         text NOT NULL,
    amount_minor   bigint NOT NULL,
    PRIMARY KEY (grain, period_start, salesperson_id, dealer_key, source)
);

-- One statement-level trigger per operation (a trigger with transition tables has one event);
-- each adds the new rows and takes away the old ones in one upsert, in key order so that two
-- concurrent writers lock the sums in the same order.
CREATE FUNCTION sales_fact_sums_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deltas text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows'
    END;
BEGIN
    EXECUTE format($q$
        INSERT INTO sales_fact_sums AS s
        SELECT g.grain,
               CASE g.grain WHEN 'day' THEN d.sold_on ELSE date_trunc('month', d.sold_on)::date END,
               d.salesperson_id,
               COALESCE(d.dealer_id, '00000000-0000-0000-0000-000000000000'),
               COALESCE(d.category, ''),
               d.reconciliation,
               SUM(d.sign * d.revenue_minor),
               SUM(d.sign * CASE WHEN d.product_id IS NULL
                         AND d.reconciliation IN ('reported_only', 'confirmed', 'not_invoiced')
                        THEN 0 ELSE d.revenue_minor - d.cost_minor END)
          FROM (%s) d CROSS JOIN (VALUES ('day'), ('month')) g (grain)
         GROUP BY 1, 2, 3, 4, 5, 6
         ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (grain, period_start, salesperson_id, dealer_key, category, reconciliation)
        DO UPDATE SET revenue_minor = s.revenue_minor + EXCLUDED.revenue_minor,
                      profit_minor = s.profit_minor + EXCLUDED.profit_minor
    $q$, deltas);
    RETURN NULL;
END $$;

CREATE FUNCTION payment_fact_sums_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    deltas text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows'
    END;
BEGIN
    EXECUTE format($q$
        INSERT INTO payment_fact_sums AS s
        SELECT g.grain,
               CASE g.grain WHEN 'day' THEN d.paid_on ELSE date_trunc('month', d.paid_on)::date END,
               d.salesperson_id,
               COALESCE(d.dealer_id, '00000000-0000-0000-0000-000000000000'),
               d.source,
               SUM(d.sign * d.amount_minor)
          FROM (%s) d CROSS JOIN (VALUES ('day'), ('month')) g (grain)
         GROUP BY 1, 2, 3, 4, 5
         ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (grain, period_start, salesperson_id, dealer_key, source)
        DO UPDATE SET amount_minor = s.amount_minor + EXCLUDED.amount_minor
    $q$, deltas);
    RETURN NULL;
END $$;

CREATE TRIGGER sales_fact_sums_insert AFTER INSERT ON sales_facts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_fact_sums_apply();
CREATE TRIGGER sales_fact_sums_update AFTER UPDATE ON sales_facts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sales_fact_sums_apply();
CREATE TRIGGER sales_fact_sums_delete AFTER DELETE ON sales_facts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_fact_sums_apply();

CREATE TRIGGER payment_fact_sums_insert AFTER INSERT ON payment_facts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_fact_sums_apply();
CREATE TRIGGER payment_fact_sums_update AFTER UPDATE ON payment_facts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION payment_fact_sums_apply();
CREATE TRIGGER payment_fact_sums_delete AFTER DELETE ON payment_facts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_fact_sums_apply();

-- The facts already stored.
INSERT INTO sales_fact_sums
SELECT g.grain,
       CASE g.grain WHEN 'day' THEN f.sold_on ELSE date_trunc('month', f.sold_on)::date END,
       f.salesperson_id, COALESCE(f.dealer_id, '00000000-0000-0000-0000-000000000000'),
       COALESCE(f.category, ''), f.reconciliation, SUM(f.revenue_minor),
       SUM(CASE WHEN f.product_id IS NULL
                         AND f.reconciliation IN ('reported_only', 'confirmed', 'not_invoiced')
                        THEN 0 ELSE f.revenue_minor - f.cost_minor END)
  FROM sales_facts f CROSS JOIN (VALUES ('day'), ('month')) g (grain)
 GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO payment_fact_sums
SELECT g.grain,
       CASE g.grain WHEN 'day' THEN f.paid_on ELSE date_trunc('month', f.paid_on)::date END,
       f.salesperson_id, COALESCE(f.dealer_id, '00000000-0000-0000-0000-000000000000'),
       f.source, SUM(f.amount_minor)
  FROM payment_facts f CROSS JOIN (VALUES ('day'), ('month')) g (grain)
 GROUP BY 1, 2, 3, 4, 5;
