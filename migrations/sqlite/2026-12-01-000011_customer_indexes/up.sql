-- What a customer bought and paid, found from the customer: the weekly figures'
-- abnormal customers, the overdue-payment and not-visited anomalies start from the customers
-- in scope (a few, or a few thousand) instead of reading every fact and visit.
CREATE INDEX sales_facts_customer_idx ON sales_facts (customer_id, sold_on);
CREATE INDEX payment_facts_customer_idx ON payment_facts (customer_id, paid_on);
-- (report_visits_customer_idx comes with 2026-12-15-000010_orders_call_cycles.)
