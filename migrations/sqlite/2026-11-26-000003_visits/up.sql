-- (SQLite: ids and instants are text) Daily visit plans and daily visit reports, their visits, expenses and competitor information,
-- and the record of missing-report notices sent.

CREATE TABLE visit_plans (
    id              TEXT PRIMARY KEY NOT NULL,
    owner_id        TEXT NOT NULL REFERENCES users (id),
    org_unit_id     TEXT NOT NULL REFERENCES org_units (id),
    plan_date       date NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    notes           TEXT,
    submitted_at    TEXT,
    approved_by     TEXT REFERENCES users (id),
    approved_at     TEXT,
    returned_by     TEXT REFERENCES users (id),
    returned_at     TEXT,
    return_comment  TEXT,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CONSTRAINT visit_plans_owner_day_key UNIQUE (owner_id, plan_date)
);
CREATE INDEX visit_plans_unit_idx ON visit_plans (org_unit_id, status);
CREATE INDEX visit_plans_date_idx ON visit_plans (plan_date);

CREATE TABLE planned_visits (
    id               TEXT PRIMARY KEY NOT NULL,
    plan_id          TEXT NOT NULL REFERENCES visit_plans (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    customer_id      TEXT REFERENCES customers (id),
    prospect_name    TEXT,
    area             TEXT,
    planned_start    TEXT,
    planned_end      TEXT,
    purpose          TEXT NOT NULL,
    expected_result  TEXT,
    notes            TEXT
);
CREATE INDEX planned_visits_plan_idx ON planned_visits (plan_id);

CREATE TABLE daily_reports (
    id                  TEXT PRIMARY KEY NOT NULL,
    owner_id            TEXT NOT NULL REFERENCES users (id),
    org_unit_id         TEXT NOT NULL REFERENCES org_units (id),
    report_date         date NOT NULL,
    attendance          TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'reviewed', 'returned')),
    experience_notes    TEXT,
    tomorrow_focus      TEXT,
    first_submitted_at  TEXT,
    submitted_at        TEXT,
    late                BOOLEAN NOT NULL DEFAULT 0,
    reviewed_by         TEXT REFERENCES users (id),
    reviewed_at         TEXT,
    review_comment      TEXT,
    quality_score       INTEGER CHECK (quality_score BETWEEN 1 AND 5),
    returned_by         TEXT REFERENCES users (id),
    returned_at         TEXT,
    return_comment      TEXT,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CONSTRAINT daily_reports_owner_day_key UNIQUE (owner_id, report_date)
);
CREATE INDEX daily_reports_unit_idx ON daily_reports (org_unit_id, status);
CREATE INDEX daily_reports_date_idx ON daily_reports (report_date);

CREATE TABLE report_visits (
    id                      TEXT PRIMARY KEY NOT NULL,
    report_id               TEXT NOT NULL REFERENCES daily_reports (id) ON DELETE CASCADE,
    position                INTEGER NOT NULL,
    customer_id             TEXT NOT NULL REFERENCES customers (id),
    planned_visit_id        TEXT REFERENCES planned_visits (id) ON DELETE SET NULL,
    started_at              TEXT NOT NULL,
    ended_at                TEXT NOT NULL,
    purpose                 TEXT NOT NULL,
    outcome                 TEXT NOT NULL,
    effective               BOOLEAN NOT NULL,
    order_amount_minor      BIGINT NOT NULL DEFAULT 0 CHECK (order_amount_minor >= 0),
    collected_amount_minor  BIGINT NOT NULL DEFAULT 0 CHECK (collected_amount_minor >= 0),
    complaint_handled       BOOLEAN NOT NULL DEFAULT 0,
    opinions                TEXT,
    developments            TEXT,
    checkin_lat             DOUBLE,
    checkin_lon             DOUBLE,
    checkin_accuracy_m      DOUBLE,
    checkin_distance_m      DOUBLE,
    checkin_out_of_range    BOOLEAN,
    activated_customer      BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX report_visits_report_idx ON report_visits (report_id);
CREATE INDEX report_visits_planned_idx ON report_visits (planned_visit_id);

CREATE TABLE report_expenses (
    id            TEXT PRIMARY KEY NOT NULL,
    report_id     TEXT NOT NULL REFERENCES daily_reports (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    category      TEXT NOT NULL,
    amount_minor  BIGINT NOT NULL CHECK (amount_minor >= 0),
    note          TEXT
);
CREATE INDEX report_expenses_report_idx ON report_expenses (report_id);

CREATE TABLE report_competitor_infos (
    id             TEXT PRIMARY KEY NOT NULL,
    report_id      TEXT NOT NULL REFERENCES daily_reports (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    competitor_id  TEXT NOT NULL REFERENCES competitors (id),
    customer_id    TEXT REFERENCES customers (id),
    observation    TEXT NOT NULL
);
CREATE INDEX report_competitor_infos_report_idx ON report_competitor_infos (report_id);

CREATE TABLE daily_report_missing_notices (
    user_id      TEXT NOT NULL REFERENCES users (id),
    report_date  date NOT NULL,
    notified_id  TEXT REFERENCES users (id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, report_date)
);
