-- (SQLite: ids and instants are text) Weekly reports announced as missing once their Monday
-- cutoff passed: one row per unit and week, so that each is announced once.
CREATE TABLE weekly_report_missing_notices (
    org_unit_id  TEXT NOT NULL REFERENCES org_units (id) ON DELETE CASCADE,
    week_start   DATE NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (org_unit_id, week_start)
);
