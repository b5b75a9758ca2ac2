DROP TRIGGER plan_visit_counts_delete ON planned_visits;
DROP TRIGGER plan_visit_counts_update ON planned_visits;
DROP TRIGGER plan_visit_counts_insert ON planned_visits;
DROP FUNCTION plan_visit_counts_apply();
ALTER TABLE visit_plans DROP COLUMN visit_count;
