-- (SQLite: ids and instants are text) Weekly progress reports: one per org unit and ISO week,
-- with figures frozen as a JSON document when submitted.

CREATE TABLE weekly_reports (
    id                          TEXT PRIMARY KEY NOT NULL,
    org_unit_id                 TEXT NOT NULL REFERENCES org_units (id),
    iso_week                    TEXT NOT NULL,
    week_start                  date NOT NULL,
    week_end                    date NOT NULL,
    author_id                   TEXT NOT NULL REFERENCES users (id),
    status                      TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'reviewed', 'returned')),
    figures                     TEXT NOT NULL,
    figures_at                  TEXT NOT NULL,
    competitor_dynamics         TEXT,
    abnormal_customer_handling  TEXT,
    next_week_goals             TEXT,
    next_week_plans             TEXT,
    due_at                      TEXT NOT NULL,
    first_submitted_at          TEXT,
    submitted_at                TEXT,
    late                        BOOLEAN NOT NULL DEFAULT 0,
    reviewed_by                 TEXT REFERENCES users (id),
    reviewed_at                 TEXT,
    review_comment              TEXT,
    returned_by                 TEXT REFERENCES users (id),
    returned_at                 TEXT,
    return_comment              TEXT,
    version                     BIGINT NOT NULL DEFAULT 1,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL,
    CONSTRAINT weekly_reports_unit_week_key UNIQUE (org_unit_id, week_start)
);
CREATE INDEX weekly_reports_week_idx ON weekly_reports (week_start);
