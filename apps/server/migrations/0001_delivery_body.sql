-- The exact webhook body of a delivery, kept from planning to sending: signatures cover these bytes, every retry
-- resends them, and the snapshot of an accepted delivery is taken from them.
ALTER TABLE deliveries ADD COLUMN body text;
--> statement-breakpoint
-- Supersession and "newest version per site" look-ups.
CREATE INDEX deliveries_site_pending_idx ON deliveries (organization_id, site_id) WHERE status IN ('pending', 'in_progress');
