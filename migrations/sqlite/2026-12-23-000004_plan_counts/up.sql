-- Each visit plan keeps the count of its planned visits on its row, by triggers in the same
-- transaction as every write to them, whatever writes them: the planned visits per person and
-- period (efficiency, the scorecards, the dashboards) are read from the plans alone.
ALTER TABLE visit_plans ADD COLUMN visit_count bigint NOT NULL DEFAULT 0;

-- Row triggers (SQLite has no statement triggers).
CREATE TRIGGER plan_visit_counts_insert AFTER INSERT ON planned_visits BEGIN
    UPDATE visit_plans SET visit_count = visit_count + 1 WHERE id = NEW.plan_id;
END;
CREATE TRIGGER plan_visit_counts_update AFTER UPDATE OF plan_id ON planned_visits BEGIN
    UPDATE visit_plans SET visit_count = visit_count - 1 WHERE id = OLD.plan_id;
    UPDATE visit_plans SET visit_count = visit_count + 1 WHERE id = NEW.plan_id;
END;
CREATE TRIGGER plan_visit_counts_delete AFTER DELETE ON planned_visits BEGIN
    UPDATE visit_plans SET visit_count = visit_count - 1 WHERE id = OLD.plan_id;
END;

-- The planned visits already stored.
UPDATE visit_plans
   SET visit_count = (SELECT COUNT(*) FROM planned_visits v WHERE v.plan_id = visit_plans.id);
