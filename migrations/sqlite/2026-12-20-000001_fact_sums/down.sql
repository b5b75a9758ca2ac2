DROP TRIGGER sales_fact_sums_insert;
DROP TRIGGER sales_fact_sums_update;
DROP TRIGGER sales_fact_sums_delete;
DROP TRIGGER payment_fact_sums_insert;
DROP TRIGGER payment_fact_sums_update;
DROP TRIGGER payment_fact_sums_delete;
DROP TABLE sales_fact_sums;
DROP TABLE payment_fact_sums;
