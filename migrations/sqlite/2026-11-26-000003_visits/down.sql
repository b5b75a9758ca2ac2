DROP TABLE daily_report_missing_notices;
DROP TABLE report_competitor_infos;
DROP TABLE report_expenses;
DROP TABLE report_visits;
DROP TABLE daily_reports;
DROP TABLE planned_visits;
DROP TABLE visit_plans;
