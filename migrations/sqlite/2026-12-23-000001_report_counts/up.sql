-- Each daily report's visit counts and expenses, kept on its row by triggers in the same
-- transaction as every write to its visits and expenses, whatever writes them. Whoever reads
-- counts per person and period (efficiency, anomalies, progress of the visits metric, the
-- weekly figures) then reads the reports alone, never their visits.
ALTER TABLE daily_reports ADD COLUMN visit_count bigint NOT NULL DEFAULT 0;
ALTER TABLE daily_reports ADD COLUMN effective_visit_count bigint NOT NULL DEFAULT 0;
-- Visits with an order (`order_amount_minor > 0`).
ALTER TABLE daily_reports ADD COLUMN order_visit_count bigint NOT NULL DEFAULT 0;
-- Visits made for a planned visit (`planned_visit_id` set).
ALTER TABLE daily_reports ADD COLUMN planned_visit_count bigint NOT NULL DEFAULT 0;
ALTER TABLE daily_reports ADD COLUMN expenses_minor bigint NOT NULL DEFAULT 0;

-- Row triggers (SQLite has no statement triggers): each adds its new row, takes away its old
-- one. Foreign key actions (a planned visit deleted sets `planned_visit_id` to NULL) fire them
-- as well.
CREATE TRIGGER report_visit_counts_insert AFTER INSERT ON report_visits BEGIN
    UPDATE daily_reports
       SET visit_count = visit_count + 1,
           effective_visit_count = effective_visit_count + (NEW.effective <> 0),
           order_visit_count = order_visit_count + (NEW.order_amount_minor > 0),
           planned_visit_count = planned_visit_count + (NEW.planned_visit_id IS NOT NULL)
     WHERE id = NEW.report_id;
END;
CREATE TRIGGER report_visit_counts_update
    AFTER UPDATE OF report_id, effective, order_amount_minor, planned_visit_id ON report_visits BEGIN
    UPDATE daily_reports
       SET visit_count = visit_count - 1,
           effective_visit_count = effective_visit_count - (OLD.effective <> 0),
           order_visit_count = order_visit_count - (OLD.order_amount_minor > 0),
           planned_visit_count = planned_visit_count - (OLD.planned_visit_id IS NOT NULL)
     WHERE id = OLD.report_id;
    UPDATE daily_reports
       SET visit_count = visit_count + 1,
           effective_visit_count = effective_visit_count + (NEW.effective <> 0),
           order_visit_count = order_visit_count + (NEW.order_amount_minor > 0),
           planned_visit_count = planned_visit_count + (NEW.planned_visit_id IS NOT NULL)
     WHERE id = NEW.report_id;
END;
CREATE TRIGGER report_visit_counts_delete AFTER DELETE ON report_visits BEGIN
    UPDATE daily_reports
       SET visit_count = visit_count - 1,
           effective_visit_count = effective_visit_count - (OLD.effective <> 0),
           order_visit_count = order_visit_count - (OLD.order_amount_minor > 0),
           planned_visit_count = planned_visit_count - (OLD.planned_visit_id IS NOT NULL)
     WHERE id = OLD.report_id;
END;

CREATE TRIGGER report_expenses_sum_insert AFTER INSERT ON report_expenses BEGIN
    UPDATE daily_reports SET expenses_minor = expenses_minor + NEW.amount_minor
     WHERE id = NEW.report_id;
END;
CREATE TRIGGER report_expenses_sum_update
    AFTER UPDATE OF report_id, amount_minor ON report_expenses BEGIN
    UPDATE daily_reports SET expenses_minor = expenses_minor - OLD.amount_minor
     WHERE id = OLD.report_id;
    UPDATE daily_reports SET expenses_minor = expenses_minor + NEW.amount_minor
     WHERE id = NEW.report_id;
END;
CREATE TRIGGER report_expenses_sum_delete AFTER DELETE ON report_expenses BEGIN
    UPDATE daily_reports SET expenses_minor = expenses_minor - OLD.amount_minor
     WHERE id = OLD.report_id;
END;

-- The visits and expenses already stored.
UPDATE daily_reports
   SET visit_count = (SELECT COUNT(*) FROM report_visits v WHERE v.report_id = daily_reports.id),
       effective_visit_count = (SELECT COUNT(*) FROM report_visits v
                                 WHERE v.report_id = daily_reports.id AND v.effective),
       order_visit_count = (SELECT COUNT(*) FROM report_visits v
                             WHERE v.report_id = daily_reports.id AND v.order_amount_minor > 0),
       planned_visit_count = (SELECT COUNT(*) FROM report_visits v
                               WHERE v.report_id = daily_reports.id AND v.planned_visit_id IS NOT NULL),
       expenses_minor = (SELECT COALESCE(SUM(amount_minor), 0) FROM report_expenses e
                          WHERE e.report_id = daily_reports.id);
