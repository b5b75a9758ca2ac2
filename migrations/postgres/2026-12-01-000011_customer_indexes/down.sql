DROP INDEX payment_facts_customer_idx;
DROP INDEX sales_facts_customer_idx;
