-- Each customer's last counted visit (the latest day of a visit in a submitted or reviewed
-- daily report), kept by a trigger whatever writes the visits or moves their reports (which
-- rewrites the visits' day and counting, see 2026-12-23-000002_visit_days). Internal: the API
-- does not show it. A customer's last visit before a day is this one when it is earlier, and
-- needs the index of counted visits only for customers visited since that day.
ALTER TABLE customers ADD COLUMN last_visited_on date;

-- Recomputes the kept day of these customers from their counted visits.
CREATE FUNCTION customer_last_visits_recompute(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    UPDATE customers c
       SET last_visited_on = m.last
      FROM (SELECT u.id,
                   (SELECT MAX(v.report_date) FROM report_visits v
                     WHERE v.customer_id = u.id AND v.counted) AS last
              FROM unnest(ids) AS u (id)) m
     WHERE c.id = m.id AND c.last_visited_on IS DISTINCT FROM m.last;
$$;

-- The customers of the counted visits a statement wrote, moved or removed.
CREATE FUNCTION customer_last_visits_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM customer_last_visits_recompute(ARRAY(
            SELECT DISTINCT customer_id FROM new_rows WHERE counted));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM customer_last_visits_recompute(ARRAY(
            SELECT DISTINCT customer_id FROM old_rows WHERE counted));
    ELSE
        PERFORM customer_last_visits_recompute(ARRAY(
            SELECT customer_id FROM old_rows WHERE counted
             UNION
            SELECT customer_id FROM new_rows WHERE counted));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER customer_last_visits_insert AFTER INSERT ON report_visits
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer_last_visits_apply();
CREATE TRIGGER customer_last_visits_update AFTER UPDATE ON report_visits
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer_last_visits_apply();
CREATE TRIGGER customer_last_visits_delete AFTER DELETE ON report_visits
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION customer_last_visits_apply();

-- The visits already stored.
UPDATE customers c
   SET last_visited_on = (SELECT MAX(v.report_date) FROM report_visits v
                           WHERE v.customer_id = c.id AND v.counted);
