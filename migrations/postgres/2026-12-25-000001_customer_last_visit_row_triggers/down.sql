DROP TRIGGER customer_last_visit_delete ON report_visits;
DROP TRIGGER customer_last_visit_update ON report_visits;
DROP TRIGGER customer_last_visit_insert ON report_visits;
DROP FUNCTION customer_last_visit_apply();

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
