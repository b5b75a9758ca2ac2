DROP TABLE job_runs;
DROP TABLE target_statuses;
