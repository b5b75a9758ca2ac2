-- The company-wide figures (efficiency, scorecards, the activity anomalies, the dashboards)
-- read the counts kept on each daily report over a range of days. Read from the index alone,
-- they skip the reports' wide rows (their texts). SQLite has no INCLUDE: the columns follow
-- the key.
CREATE INDEX daily_reports_day_counts_idx ON daily_reports (report_date, owner_id, status,
    visit_count, effective_visit_count, order_visit_count, planned_visit_count, expenses_minor,
    quality_score, attendance, first_submitted_at, late);

-- The visit days of every customer over a short period, from the index alone.
CREATE INDEX report_visits_counted_day_idx ON report_visits (report_date, customer_id)
    WHERE counted;
