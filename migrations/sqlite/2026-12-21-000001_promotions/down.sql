DROP INDEX report_visits_promotion_idx;
ALTER TABLE report_visits DROP COLUMN promotion_spend_minor;
ALTER TABLE report_visits DROP COLUMN promotion_id;
DROP TABLE promotion_cost_facts;
DROP TABLE promotion_categories;
DROP TABLE promotion_links;
DROP TABLE promotions;
