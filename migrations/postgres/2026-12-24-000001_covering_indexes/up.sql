-- The company-wide figures (efficiency, scorecards, the activity anomalies, the dashboards)
-- read the counts kept on each daily report of a set of people over a range of days. Read
-- from this index alone (one step per person), they skip the reports' wide rows (their texts).
-- Keyed by owner first: with the pool's generic plans, `owner_id = ANY($1)` must be an index
-- condition, never a filter (a filter compares every row with every id of the array).
CREATE INDEX daily_reports_day_counts_idx ON daily_reports (owner_id, report_date)
    INCLUDE (status, visit_count, effective_visit_count, order_visit_count,
             planned_visit_count, expenses_minor, quality_score, attendance,
             first_submitted_at, late);
