DROP TABLE payment_facts;
DROP TABLE sales_facts;
DROP TABLE targets;
DROP TABLE competitors;
DROP TABLE products;
DROP TABLE customers;
ALTER TABLE users DROP COLUMN dealer_id;
DROP TABLE dealers;
