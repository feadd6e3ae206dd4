-- The retention job (src/retention/) deletes sync history older than RETENTION_DAYS, a few thousand rows per
-- statement, every few minutes. Each of its statements finds the rows it deletes through one of these indexes,
-- where it would otherwise read a whole table (a job's log lines and deliveries are found by their job, through
-- job_logs_job_idx and deliveries_job_idx).
--
-- Jobs in age order. The status is left out: a job's status changes (queued, running, done) stay heap-only updates.
CREATE INDEX sync_jobs_created_idx ON sync_jobs (created_at, id);
--> statement-breakpoint
-- A site's own sends (durable retries, redeliveries) in age order: they belong to no job.
CREATE INDEX deliveries_site_sends_idx ON deliveries (created_at, id) WHERE job_id IS NULL;
--> statement-breakpoint
-- Whether any delivery still names a payload, before the payload is deleted. The many deliveries of one payload share
-- one entry (B-tree deduplication), and the columns never change after the insert, so status updates stay heap-only.
CREATE INDEX deliveries_payload_idx ON deliveries (organization_id, payload_hash) WHERE payload_hash IS NOT NULL;
--> statement-breakpoint
-- Payloads in age order.
CREATE INDEX payloads_created_idx ON payloads (created_at, organization_id, hash);
