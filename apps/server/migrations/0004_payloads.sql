-- Content-addressed payloads. A sync to 1,000 sites that map the same items used to store 1,000 copies of one
-- 16 KB items array (in deliveries.body, and again as jsonb in destination_snapshots.payload). Now the items array
-- is stored once per organization and hash, and a delivery or snapshot keeps only its envelope: the webhook body
-- without its items (type, timestamp, site, version, job id). The body sent is the envelope with the items
-- spliced in (webhook-body.ts), the same bytes on every attempt. Rows are never changed: a hash names one content.
CREATE TABLE payloads (
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  hash text NOT NULL,
  -- JSON.stringify of the items array, exactly as sent.
  items text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, hash)
);
--> statement-breakpoint
ALTER TABLE payloads ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE payloads FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON payloads TO datasync_app
  USING (organization_id = nullif(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (organization_id = nullif(current_setting('app.org_id', true), '')::uuid);
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON payloads TO datasync_app;
--> statement-breakpoint
-- Deliveries and snapshots written before this migration keep their full body / payload and are read as before.
ALTER TABLE deliveries ADD COLUMN envelope text;
--> statement-breakpoint
ALTER TABLE destination_snapshots ADD COLUMN envelope text;
--> statement-breakpoint
ALTER TABLE destination_snapshots ALTER COLUMN payload DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE destination_snapshots ADD CONSTRAINT destination_snapshots_payload_or_envelope
  CHECK (payload IS NOT NULL OR envelope IS NOT NULL);
