-- Each visit carries its report's day and whether its report counts (submitted or reviewed,
-- as `visits::reports::model::COUNTED`), kept by triggers whatever writes the visits or moves
-- the report. A customer's visit days and last visit are then read from the visits alone,
-- through an index of the counted ones by customer and day.
ALTER TABLE report_visits
    ADD COLUMN report_date date,
    ADD COLUMN counted     boolean NOT NULL DEFAULT false;

CREATE FUNCTION report_visit_day_set() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT r.report_date, r.status IN ('submitted', 'reviewed')
      INTO NEW.report_date, NEW.counted
      FROM daily_reports r WHERE r.id = NEW.report_id;
    RETURN NEW;
END $$;

CREATE TRIGGER report_visit_day_set BEFORE INSERT OR UPDATE OF report_id ON report_visits
    FOR EACH ROW EXECUTE FUNCTION report_visit_day_set();

CREATE FUNCTION report_visit_days_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE report_visits
       SET report_date = NEW.report_date, counted = NEW.status IN ('submitted', 'reviewed')
     WHERE report_id = NEW.id;
    RETURN NULL;
END $$;

-- Only when the day or the counting changes (submitted to reviewed changes neither).
CREATE TRIGGER report_visit_days_follow AFTER UPDATE OF report_date, status ON daily_reports
    FOR EACH ROW
    WHEN (OLD.report_date IS DISTINCT FROM NEW.report_date
          OR (OLD.status IN ('submitted', 'reviewed')) <> (NEW.status IN ('submitted', 'reviewed')))
    EXECUTE FUNCTION report_visit_days_follow();

-- The visits already stored.
UPDATE report_visits v
   SET report_date = r.report_date, counted = r.status IN ('submitted', 'reviewed')
  FROM daily_reports r
 WHERE r.id = v.report_id;

CREATE INDEX report_visits_counted_customer_day_idx ON report_visits (customer_id, report_date)
    WHERE counted;
