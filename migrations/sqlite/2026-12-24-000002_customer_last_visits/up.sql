-- Each customer's last counted visit (the latest day of a visit in a submitted or reviewed
-- daily report), kept by triggers whatever writes the visits or moves their reports (which
-- rewrites the visits' day and counting, see 2026-12-23-000002_visit_days). Internal: the API
-- does not show it. A customer's last visit before a day is this one when it is earlier, and
-- needs the index of counted visits only for customers visited since that day.
ALTER TABLE customers ADD COLUMN last_visited_on date;

-- A visit's day and counting are set by an update right after its insert
-- (report_visit_day_insert), which the update trigger below follows; the insert trigger is for
-- a visit written counted at once.
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

-- The visits already stored.
UPDATE customers
   SET last_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                           WHERE v.customer_id = customers.id AND v.counted);
