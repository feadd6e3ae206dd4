-- A site's delivery health is the site's own state: whether its receiver accepts what it is sent, since when it
-- does not, and when DataSync tries again. `health` itself is derived (disabled when not enabled, failing while
-- failing_since is set, else healthy), so it can never disagree with these columns.
ALTER TABLE sites ADD COLUMN failing_since timestamp with time zone;
--> statement-breakpoint
ALTER TABLE sites ADD COLUMN last_success_at timestamp with time zone;
--> statement-breakpoint
ALTER TABLE sites ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0;
--> statement-breakpoint
ALTER TABLE sites ADD COLUMN next_attempt_at timestamp with time zone;
--> statement-breakpoint
ALTER TABLE sites ADD COLUMN last_error text;
--> statement-breakpoint
UPDATE sites AS s SET last_success_at = d.received_at
FROM destination_snapshots AS d
WHERE d.site_id = s.id;
--> statement-breakpoint
-- A job is one pass over its sites and ends; the deliveries a site makes after it (durable retries, a redelivery,
-- the send on re-enabling) belong to no job. `trigger` says why such a delivery was made.
ALTER TABLE deliveries ALTER COLUMN job_id DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE deliveries ADD COLUMN trigger text;
--> statement-breakpoint
ALTER TABLE deliveries ADD CONSTRAINT deliveries_trigger_check
  CHECK ((job_id IS NULL) = (trigger IS NOT NULL) AND trigger IN ('retry', 'redeliver', 'enable'));
--> statement-breakpoint
CREATE INDEX sites_needing_attention_idx ON sites (organization_id, failing_since) WHERE failing_since IS NOT NULL OR NOT enabled;
