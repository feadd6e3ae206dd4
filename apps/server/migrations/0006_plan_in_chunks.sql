-- A plan commits its sites in chunks, each in its own transaction, so the first deliveries leave while the rest of
-- a big job is still being planned (a 10,000-site plan took over a second before its first send). The job keeps
-- how far its plan got (the last site id committed, sites being planned in id order), so a plan that stopped
-- half-way (a crash, a restart) carries on where it was; and when its last chunk committed: until then, its
-- deliveries being done does not mean the job is.
ALTER TABLE sync_jobs ADD COLUMN plan_cursor uuid;
--> statement-breakpoint
ALTER TABLE sync_jobs ADD COLUMN planned_at timestamptz;
--> statement-breakpoint
-- Plans before this migration were one transaction: every job past `queued` is fully planned.
UPDATE sync_jobs SET planned_at = coalesce(started_at, created_at) WHERE status <> 'queued';
