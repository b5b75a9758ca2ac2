DROP TRIGGER customer_last_visits_delete ON report_visits;
DROP TRIGGER customer_last_visits_update ON report_visits;
DROP TRIGGER customer_last_visits_insert ON report_visits;
DROP FUNCTION customer_last_visits_apply();
DROP FUNCTION customer_last_visits_recompute(uuid[]);
ALTER TABLE customers DROP COLUMN last_visited_on;
