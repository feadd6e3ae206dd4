-- A log line that reports a status change says so in columns, not only in its message: the live event stream
-- (issue 5) turns these lines into `site` and `job` events, in the same order and with the same ids as the log.
ALTER TABLE job_logs ADD COLUMN site_status text
  CHECK (site_status IN ('pending', 'in_progress', 'success', 'failed', 'superseded', 'up_to_date'));
--> statement-breakpoint
ALTER TABLE job_logs ADD COLUMN job_status text
  CHECK (job_status IN ('queued', 'running', 'success', 'partial', 'failed'));
