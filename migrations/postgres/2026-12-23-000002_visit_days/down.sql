DROP INDEX report_visits_counted_customer_day_idx;
DROP TRIGGER report_visit_days_follow ON daily_reports;
DROP TRIGGER report_visit_day_set ON report_visits;
DROP FUNCTION report_visit_days_follow();
DROP FUNCTION report_visit_day_set();
ALTER TABLE report_visits DROP COLUMN counted, DROP COLUMN report_date;
