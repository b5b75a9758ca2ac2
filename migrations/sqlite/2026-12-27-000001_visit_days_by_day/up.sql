-- The counted visits of a range of days, read along the day: a week's visit days of the
-- company's customers (call-cycle coverage) is then the week's index entries, not a scan of
-- every visit ever made filtered by customer and day. Partial like its sibling keyed by
-- customer (`report_visits_counted_customer_day_idx`): drafts' visits are never in it.
CREATE INDEX report_visits_counted_day_idx ON report_visits (report_date, customer_id)
    WHERE counted;
