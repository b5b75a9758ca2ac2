DROP TRIGGER customer_last_visits_insert;
DROP TRIGGER customer_last_visits_update;
DROP TRIGGER customer_last_visits_delete;

CREATE TRIGGER customer_last_visits_insert AFTER INSERT ON report_visits WHEN NEW.counted
BEGIN
    UPDATE customers
       SET last_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                               WHERE v.customer_id = customers.id AND v.counted)
     WHERE id = NEW.customer_id;
END;
CREATE TRIGGER customer_last_visits_update
    AFTER UPDATE OF counted, report_date, customer_id ON report_visits
    WHEN OLD.counted OR NEW.counted
BEGIN
    UPDATE customers
       SET last_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                               WHERE v.customer_id = customers.id AND v.counted)
     WHERE id IN (OLD.customer_id, NEW.customer_id);
END;
CREATE TRIGGER customer_last_visits_delete AFTER DELETE ON report_visits WHEN OLD.counted
BEGIN
    UPDATE customers
       SET last_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                               WHERE v.customer_id = customers.id AND v.counted)
     WHERE id = OLD.customer_id;
END;

ALTER TABLE customers DROP COLUMN previous_visited_on;
