-- Each visit carries its report's day and whether its report counts (submitted or reviewed,
-- as `visits::reports::model::COUNTED`), kept by triggers whatever writes the visits or moves
-- the report. A customer's visit days and last visit are then read from the visits alone,
-- through an index of the counted ones by customer and day.
ALTER TABLE report_visits ADD COLUMN report_date date;
ALTER TABLE report_visits ADD COLUMN counted boolean NOT NULL DEFAULT false;

-- SQLite's triggers cannot set NEW: the row is updated right after it is written.
CREATE TRIGGER report_visit_day_insert AFTER INSERT ON report_visits BEGIN
    UPDATE report_visits
       SET report_date = (SELECT r.report_date FROM daily_reports r WHERE r.id = NEW.report_id),
           counted = COALESCE((SELECT r.status IN ('submitted', 'reviewed')
                                 FROM daily_reports r WHERE r.id = NEW.report_id), 0)
     WHERE id = NEW.id;
END;
CREATE TRIGGER report_visit_day_move AFTER UPDATE OF report_id ON report_visits BEGIN
    UPDATE report_visits
       SET report_date = (SELECT r.report_date FROM daily_reports r WHERE r.id = NEW.report_id),
           counted = COALESCE((SELECT r.status IN ('submitted', 'reviewed')
                                 FROM daily_reports r WHERE r.id = NEW.report_id), 0)
     WHERE id = NEW.id;
END;

-- Only when the day or the counting changes (submitted to reviewed changes neither).
CREATE TRIGGER report_visit_days_follow AFTER UPDATE OF report_date, status ON daily_reports
    WHEN OLD.report_date IS NOT NEW.report_date
      OR (OLD.status IN ('submitted', 'reviewed')) <> (NEW.status IN ('submitted', 'reviewed'))
BEGIN
    UPDATE report_visits
       SET report_date = NEW.report_date, counted = NEW.status IN ('submitted', 'reviewed')
     WHERE report_id = NEW.id;
END;

-- The visits already stored.
UPDATE report_visits
   SET report_date = (SELECT r.report_date FROM daily_reports r WHERE r.id = report_visits.report_id),
       counted = COALESCE((SELECT r.status IN ('submitted', 'reviewed')
                             FROM daily_reports r WHERE r.id = report_visits.report_id), 0);

CREATE INDEX report_visits_counted_customer_day_idx ON report_visits (customer_id, report_date)
    WHERE counted;
