-- Beside each customer's last counted visit day (2026-12-24-000002_customer_last_visits), the
-- counted visit day before it, kept by the same triggers (see the PostgreSQL migration).
ALTER TABLE customers ADD COLUMN previous_visited_on date;

DROP TRIGGER customer_last_visits_insert;
DROP TRIGGER customer_last_visits_update;
DROP TRIGGER customer_last_visits_delete;

CREATE TRIGGER customer_last_visits_insert AFTER INSERT ON report_visits WHEN NEW.counted
BEGIN
    UPDATE customers
       SET last_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                               WHERE v.customer_id = customers.id AND v.counted),
           previous_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                                   WHERE v.customer_id = customers.id AND v.counted
                                     AND v.report_date < (SELECT MAX(w.report_date)
                                                            FROM report_visits w
                                                           WHERE w.customer_id = customers.id
                                                             AND w.counted))
     WHERE id = NEW.customer_id;
END;
CREATE TRIGGER customer_last_visits_update
    AFTER UPDATE OF counted, report_date, customer_id ON report_visits
    WHEN OLD.counted OR NEW.counted
BEGIN
    UPDATE customers
       SET last_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                               WHERE v.customer_id = customers.id AND v.counted),
           previous_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                                   WHERE v.customer_id = customers.id AND v.counted
                                     AND v.report_date < (SELECT MAX(w.report_date)
                                                            FROM report_visits w
                                                           WHERE w.customer_id = customers.id
                                                             AND w.counted))
     WHERE id IN (OLD.customer_id, NEW.customer_id);
END;
CREATE TRIGGER customer_last_visits_delete AFTER DELETE ON report_visits WHEN OLD.counted
BEGIN
    UPDATE customers
       SET last_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                               WHERE v.customer_id = customers.id AND v.counted),
           previous_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                                   WHERE v.customer_id = customers.id AND v.counted
                                     AND v.report_date < (SELECT MAX(w.report_date)
                                                            FROM report_visits w
                                                           WHERE w.customer_id = customers.id
                                                             AND w.counted))
     WHERE id = OLD.customer_id;
END;

-- The visits already stored.
UPDATE customers
   SET previous_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                               WHERE v.customer_id = customers.id AND v.counted
                                 AND v.report_date < customers.last_visited_on)
 WHERE last_visited_on IS NOT NULL;
