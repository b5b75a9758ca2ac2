-- Each visit plan keeps the count of its planned visits on its row, by triggers in the same
-- transaction as every write to them, whatever writes them: the planned visits per person and
-- period (efficiency, the scorecards, the dashboards) are read from the plans alone.
ALTER TABLE visit_plans ADD COLUMN visit_count bigint NOT NULL DEFAULT 0;

CREATE FUNCTION plan_visit_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        UPDATE visit_plans p
           SET visit_count = p.visit_count + d.visits
          FROM (SELECT plan_id, SUM(sign) AS visits FROM (%s) x GROUP BY plan_id) d
         WHERE p.id = d.plan_id AND d.visits <> 0
    $q$, transition_deltas(TG_OP));
    RETURN NULL;
END $$;

CREATE TRIGGER plan_visit_counts_insert AFTER INSERT ON planned_visits
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION plan_visit_counts_apply();
CREATE TRIGGER plan_visit_counts_update AFTER UPDATE ON planned_visits
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION plan_visit_counts_apply();
CREATE TRIGGER plan_visit_counts_delete AFTER DELETE ON planned_visits
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION plan_visit_counts_apply();

-- The planned visits already stored.
UPDATE visit_plans p
   SET visit_count = v.visits
  FROM (SELECT plan_id, COUNT(*) AS visits FROM planned_visits GROUP BY plan_id) v
 WHERE p.id = v.plan_id;
