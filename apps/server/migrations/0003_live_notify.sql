-- Live event stream (issue 5): every committed batch of job_logs rows wakes the API processes that stream them.
-- One NOTIFY per (organization, job) per INSERT statement, not one per row: the engine writes hundreds of lines in
-- one statement, and each NOTIFY costs a queue entry and a wake-up in every listening process. The payload is
-- `<organization_id>:<job_id>:<max id>:<1 if a line reports a job status, else 0>`; listeners read the rows
-- themselves, under their client's tenant, so the payload carries no content. NOTIFY is delivered at commit.
CREATE FUNCTION job_logs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(
    'datasync_job_logs',
    organization_id::text || ':' || job_id::text || ':' || max(id)::text || ':' ||
      CASE WHEN bool_or(job_status IS NOT NULL) THEN '1' ELSE '0' END)
  FROM new_logs
  GROUP BY organization_id, job_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER job_logs_notify AFTER INSERT ON job_logs
  REFERENCING NEW TABLE AS new_logs
  FOR EACH STATEMENT EXECUTE FUNCTION job_logs_notify();
--> statement-breakpoint
-- The organization's stream (GET /api/v1/events) reads only the lines that report a job status: a few per job.
CREATE INDEX job_logs_job_status_idx ON job_logs (organization_id, id) WHERE job_status IS NOT NULL;
