-- Weekly progress reports: one per org unit and ISO week, with figures frozen as a JSON
-- document when submitted.

CREATE TABLE weekly_reports (
    id                          uuid PRIMARY KEY,
    org_unit_id                 uuid NOT NULL REFERENCES org_units (id),
    iso_week                    text NOT NULL,
    week_start                  date NOT NULL,
    week_end                    date NOT NULL,
    author_id                   uuid NOT NULL REFERENCES users (id),
    status                      text NOT NULL CHECK (status IN ('draft', 'submitted', 'reviewed', 'returned')),
    figures                     text NOT NULL,
    figures_at                  timestamptz NOT NULL,
    competitor_dynamics         text,
    abnormal_customer_handling  text,
    next_week_goals             text,
    next_week_plans             text,
    due_at                      timestamptz NOT NULL,
    first_submitted_at          timestamptz,
    submitted_at                timestamptz,
    late                        boolean NOT NULL DEFAULT false,
    reviewed_by                 uuid REFERENCES users (id),
    reviewed_at                 timestamptz,
    review_comment              text,
    returned_by                 uuid REFERENCES users (id),
    returned_at                 timestamptz,
    return_comment              text,
    version                     bigint NOT NULL DEFAULT 1,
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL,
    CONSTRAINT weekly_reports_unit_week_key UNIQUE (org_unit_id, week_start)
);
CREATE INDEX weekly_reports_week_idx ON weekly_reports (week_start);
