-- The progress status each target of a current period was last found in by the background
-- pass (src/progress/status.rs), and since when. A change of status is written with a
-- conditional update of this row (or the insert of the first), in the transaction that
-- announces it, so that however many instances recompute, each change is announced once.
CREATE TABLE target_statuses (
    target_id   uuid PRIMARY KEY REFERENCES targets (id) ON DELETE CASCADE,
    status      text NOT NULL CHECK (status IN ('ahead', 'on_track', 'behind', 'at_risk')),
    since       timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Background work that one instance does for all, at most once per interval: the instance
-- that moves `next_run_at` forward (a conditional update) runs it.
CREATE TABLE job_runs (
    name         text PRIMARY KEY,
    next_run_at  timestamptz NOT NULL
);
INSERT INTO job_runs (name, next_run_at) VALUES ('target_statuses', '1970-01-01T00:00:00Z');
