DROP TRIGGER report_expenses_sum_delete ON report_expenses;
DROP TRIGGER report_expenses_sum_update ON report_expenses;
DROP TRIGGER report_expenses_sum_insert ON report_expenses;
DROP TRIGGER report_visit_counts_delete ON report_visits;
DROP TRIGGER report_visit_counts_update ON report_visits;
DROP TRIGGER report_visit_counts_insert ON report_visits;
DROP FUNCTION report_expenses_sum_apply();
DROP FUNCTION report_visit_counts_apply();
DROP FUNCTION transition_deltas(text);
ALTER TABLE daily_reports
    DROP COLUMN expenses_minor,
    DROP COLUMN planned_visit_count,
    DROP COLUMN order_visit_count,
    DROP COLUMN effective_visit_count,
    DROP COLUMN visit_count;
