-- Each daily report's visit counts and expenses, kept on its row by triggers in the same
-- transaction as every write to its visits and expenses, whatever writes them. Whoever reads
-- counts per person and period (efficiency, anomalies, progress of the visits metric, the
-- weekly figures) then reads the reports alone, never their visits.
ALTER TABLE daily_reports
    ADD COLUMN visit_count           bigint NOT NULL DEFAULT 0,
    ADD COLUMN effective_visit_count bigint NOT NULL DEFAULT 0,
    -- Visits with an order (`order_amount_minor > 0`).
    ADD COLUMN order_visit_count     bigint NOT NULL DEFAULT 0,
    -- Visits made for a planned visit (`planned_visit_id` set).
    ADD COLUMN planned_visit_count   bigint NOT NULL DEFAULT 0,
    ADD COLUMN expenses_minor        bigint NOT NULL DEFAULT 0;

-- The rows a statement trigger with transition tables adds (+1) and takes away (-1), as a
-- query for `format`: one definition for every count and sum kept by such triggers.
CREATE FUNCTION transition_deltas(op text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE op
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
        ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows'
    END
$$;

-- One statement-level trigger per operation (a trigger with transition tables has one event);
-- each adds the new rows and takes away the old ones, per report, in one update. A change
-- that moves no count (a visit's `activated_customer`, say) updates no report.
CREATE FUNCTION report_visit_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        UPDATE daily_reports r
           SET visit_count = r.visit_count + d.visits,
               effective_visit_count = r.effective_visit_count + d.effective,
               order_visit_count = r.order_visit_count + d.ordered,
               planned_visit_count = r.planned_visit_count + d.planned
          FROM (SELECT report_id,
                       SUM(sign) AS visits,
                       SUM(CASE WHEN effective THEN sign ELSE 0 END) AS effective,
                       SUM(CASE WHEN order_amount_minor > 0 THEN sign ELSE 0 END) AS ordered,
                       SUM(CASE WHEN planned_visit_id IS NOT NULL THEN sign ELSE 0 END) AS planned
                  FROM (%s) x
                 GROUP BY report_id) d
         WHERE r.id = d.report_id
           AND (d.visits, d.effective, d.ordered, d.planned) <> (0, 0, 0, 0)
    $q$, transition_deltas(TG_OP));
    RETURN NULL;
END $$;

CREATE FUNCTION report_expenses_sum_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        UPDATE daily_reports r
           SET expenses_minor = r.expenses_minor + d.amount
          FROM (SELECT report_id, SUM(sign * amount_minor) AS amount
                  FROM (%s) x
                 GROUP BY report_id) d
         WHERE r.id = d.report_id AND d.amount <> 0
    $q$, transition_deltas(TG_OP));
    RETURN NULL;
END $$;

CREATE TRIGGER report_visit_counts_insert AFTER INSERT ON report_visits
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_visit_counts_apply();
CREATE TRIGGER report_visit_counts_update AFTER UPDATE ON report_visits
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_visit_counts_apply();
CREATE TRIGGER report_visit_counts_delete AFTER DELETE ON report_visits
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_visit_counts_apply();

CREATE TRIGGER report_expenses_sum_insert AFTER INSERT ON report_expenses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_expenses_sum_apply();
CREATE TRIGGER report_expenses_sum_update AFTER UPDATE ON report_expenses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION report_expenses_sum_apply();
CREATE TRIGGER report_expenses_sum_delete AFTER DELETE ON report_expenses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_expenses_sum_apply();

-- The visits and expenses already stored.
UPDATE daily_reports r
   SET visit_count = v.visits, effective_visit_count = v.effective,
       order_visit_count = v.ordered, planned_visit_count = v.planned
  FROM (SELECT report_id, COUNT(*) AS visits,
               COUNT(*) FILTER (WHERE effective) AS effective,
               COUNT(*) FILTER (WHERE order_amount_minor > 0) AS ordered,
               COUNT(*) FILTER (WHERE planned_visit_id IS NOT NULL) AS planned
          FROM report_visits GROUP BY report_id) v
 WHERE r.id = v.report_id;
UPDATE daily_reports r
   SET expenses_minor = e.amount
  FROM (SELECT report_id, SUM(amount_minor) AS amount FROM report_expenses GROUP BY report_id) e
 WHERE r.id = e.report_id;
