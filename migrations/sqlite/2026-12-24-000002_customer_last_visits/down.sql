DROP TRIGGER customer_last_visits_delete;
DROP TRIGGER customer_last_visits_update;
DROP TRIGGER customer_last_visits_insert;
ALTER TABLE customers DROP COLUMN last_visited_on;
