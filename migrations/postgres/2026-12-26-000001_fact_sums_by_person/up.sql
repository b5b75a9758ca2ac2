-- The fact sums of a set of people over a range of days, read along the person first: an
-- office's or a region's quarter of day sums is then a few hundred index entries per person,
-- not every salesperson's days in the range filtered afterwards (the primary keys lead with
-- the grain and the day). Keyed without the amounts, so the sums' updates stay in place.
CREATE INDEX sales_fact_sums_person_idx ON sales_fact_sums (salesperson_id, grain, period_start);
CREATE INDEX payment_fact_sums_person_idx ON payment_fact_sums (salesperson_id, grain, period_start);
