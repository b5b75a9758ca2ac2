DROP TRIGGER customer_payment_sums_delete;
DROP TRIGGER customer_payment_sums_update;
DROP TRIGGER customer_payment_sums_insert;
DROP TRIGGER customer_sales_sums_delete;
DROP TRIGGER customer_sales_sums_update;
DROP TRIGGER customer_sales_sums_insert;
DROP TABLE customer_payment_sums;
DROP TABLE customer_sales_sums;
