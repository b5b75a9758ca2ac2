-- (SQLite: ids and instants are text) The progress status each target of a current period was
-- last found in by the background pass (src/progress/status.rs), and since when; a change is
-- written with a conditional update of this row (or the insert of the first), so that each
-- change is announced once.
CREATE TABLE target_statuses (
    target_id   TEXT PRIMARY KEY NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    status      TEXT NOT NULL CHECK (status IN ('ahead', 'on_track', 'behind', 'at_risk')),
    since       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Background work that one instance does for all, at most once per interval.
CREATE TABLE job_runs (
    name         TEXT PRIMARY KEY NOT NULL,
    next_run_at  TEXT NOT NULL
);
INSERT INTO job_runs (name, next_run_at) VALUES ('target_statuses', '1970-01-01T00:00:00.000000Z');
