-- Weekly reports announced as missing once their Monday cutoff passed: one row per unit and week,
-- so that however many instances run the check, each is announced once.
CREATE TABLE weekly_report_missing_notices (
    org_unit_id  uuid NOT NULL REFERENCES org_units (id) ON DELETE CASCADE,
    week_start   date NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (org_unit_id, week_start)
);
