-- The delivery path writes a few rows per delivery (the delivery, its log line, its snapshot), and PostgreSQL checks
-- every foreign key of each row as it is written, an index probe and a row lock each. Measured: without any of
-- these keys a 10,000-site sync ran ~10 % faster (docs/decisions/012-lean-delivery-writes.md). These are the ones
-- that checked nothing another key does not, or guarded nothing the application needs:
--
-- A log line's and a delivery's organization is their job's: (organization_id, job_id) references sync_jobs, whose
-- organization_id references organizations. Deleting an organization still deletes both, through sync_jobs.
ALTER TABLE job_logs DROP CONSTRAINT job_logs_organization_id_fkey;
--> statement-breakpoint
ALTER TABLE deliveries DROP CONSTRAINT deliveries_organization_id_fkey;
--> statement-breakpoint
-- A log line is history: it names the site it was about, and reads without it (the message carries the slug; the
-- live tail joins sites with a LEFT JOIN). Deleting a site clears site_id in its lines in the same transaction
-- (sites.repo.ts deleteSite), which the key's ON DELETE SET NULL did, instead of a check on every line written.
ALTER TABLE job_logs DROP CONSTRAINT job_logs_organization_id_site_id_fkey;
