DROP TRIGGER plan_visit_counts_delete;
DROP TRIGGER plan_visit_counts_update;
DROP TRIGGER plan_visit_counts_insert;
ALTER TABLE visit_plans DROP COLUMN visit_count;
