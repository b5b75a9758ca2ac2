DROP INDEX report_visits_counted_customer_day_idx;
DROP TRIGGER report_visit_days_follow;
DROP TRIGGER report_visit_day_move;
DROP TRIGGER report_visit_day_insert;
ALTER TABLE report_visits DROP COLUMN counted;
ALTER TABLE report_visits DROP COLUMN report_date;
