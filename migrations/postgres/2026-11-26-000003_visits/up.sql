-- Daily visit plans and daily visit reports, their visits, expenses and competitor information,
-- and the record of missing-report notices sent.

CREATE TABLE visit_plans (
    id              uuid PRIMARY KEY,
    owner_id        uuid NOT NULL REFERENCES users (id),
    org_unit_id     uuid NOT NULL REFERENCES org_units (id),
    plan_date       date NOT NULL,
    status          text NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    notes           text,
    submitted_at    timestamptz,
    approved_by     uuid REFERENCES users (id),
    approved_at     timestamptz,
    returned_by     uuid REFERENCES users (id),
    returned_at     timestamptz,
    return_comment  text,
    version         bigint NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT visit_plans_owner_day_key UNIQUE (owner_id, plan_date)
);
CREATE INDEX visit_plans_unit_idx ON visit_plans (org_unit_id, status);
CREATE INDEX visit_plans_date_idx ON visit_plans (plan_date);

CREATE TABLE planned_visits (
    id               uuid PRIMARY KEY,
    plan_id          uuid NOT NULL REFERENCES visit_plans (id) ON DELETE CASCADE,
    position         integer NOT NULL,
    customer_id      uuid REFERENCES customers (id),
    prospect_name    text,
    area             text,
    planned_start    timestamptz,
    planned_end      timestamptz,
    purpose          text NOT NULL,
    expected_result  text,
    notes            text
);
CREATE INDEX planned_visits_plan_idx ON planned_visits (plan_id);

CREATE TABLE daily_reports (
    id                  uuid PRIMARY KEY,
    owner_id            uuid NOT NULL REFERENCES users (id),
    org_unit_id         uuid NOT NULL REFERENCES org_units (id),
    report_date         date NOT NULL,
    attendance          text NOT NULL,
    status              text NOT NULL CHECK (status IN ('draft', 'submitted', 'reviewed', 'returned')),
    experience_notes    text,
    tomorrow_focus      text,
    first_submitted_at  timestamptz,
    submitted_at        timestamptz,
    late                boolean NOT NULL DEFAULT false,
    reviewed_by         uuid REFERENCES users (id),
    reviewed_at         timestamptz,
    review_comment      text,
    quality_score       integer CHECK (quality_score BETWEEN 1 AND 5),
    returned_by         uuid REFERENCES users (id),
    returned_at         timestamptz,
    return_comment      text,
    version             bigint NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT daily_reports_owner_day_key UNIQUE (owner_id, report_date)
);
CREATE INDEX daily_reports_unit_idx ON daily_reports (org_unit_id, status);
CREATE INDEX daily_reports_date_idx ON daily_reports (report_date);

CREATE TABLE report_visits (
    id                      uuid PRIMARY KEY,
    report_id               uuid NOT NULL REFERENCES daily_reports (id) ON DELETE CASCADE,
    position                integer NOT NULL,
    customer_id             uuid NOT NULL REFERENCES customers (id),
    planned_visit_id        uuid REFERENCES planned_visits (id) ON DELETE SET NULL,
    started_at              timestamptz NOT NULL,
    ended_at                timestamptz NOT NULL,
    purpose                 text NOT NULL,
    outcome                 text NOT NULL,
    effective               boolean NOT NULL,
    order_amount_minor      bigint NOT NULL DEFAULT 0 CHECK (order_amount_minor >= 0),
    collected_amount_minor  bigint NOT NULL DEFAULT 0 CHECK (collected_amount_minor >= 0),
    complaint_handled       boolean NOT NULL DEFAULT false,
    opinions                text,
    developments            text,
    checkin_lat             double precision,
    checkin_lon             double precision,
    checkin_accuracy_m      double precision,
    checkin_distance_m      double precision,
    checkin_out_of_range    boolean,
    activated_customer      boolean NOT NULL DEFAULT false
);
CREATE INDEX report_visits_report_idx ON report_visits (report_id);
CREATE INDEX report_visits_planned_idx ON report_visits (planned_visit_id);

CREATE TABLE report_expenses (
    id            uuid PRIMARY KEY,
    report_id     uuid NOT NULL REFERENCES daily_reports (id) ON DELETE CASCADE,
    position      integer NOT NULL,
    category      text NOT NULL,
    amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
    note          text
);
CREATE INDEX report_expenses_report_idx ON report_expenses (report_id);

CREATE TABLE report_competitor_infos (
    id             uuid PRIMARY KEY,
    report_id      uuid NOT NULL REFERENCES daily_reports (id) ON DELETE CASCADE,
    position       integer NOT NULL,
    competitor_id  uuid NOT NULL REFERENCES competitors (id),
    customer_id    uuid REFERENCES customers (id),
    observation    text NOT NULL
);
CREATE INDEX report_competitor_infos_report_idx ON report_competitor_infos (report_id);

CREATE TABLE daily_report_missing_notices (
    user_id      uuid NOT NULL REFERENCES users (id),
    report_date  date NOT NULL,
    notified_id  uuid REFERENCES users (id),
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, report_date)
);
