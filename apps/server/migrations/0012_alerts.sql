-- Alerts: operational events of an organization (a site failing, recovering or disabled, a sync that failed) sent to
-- the organization's alert channels, each send on a queue of its own with durable retries. All three tables are
-- tenant tables.

-- Where an organization's alerts go: a webhook URL (signed with the channel's own secret, encrypted at rest) or an
-- email address.
CREATE TABLE alert_channels (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('webhook', 'email')),
  url text,
  email_to text,
  signing_secret_encrypted text,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, id),
  CONSTRAINT alert_channels_fields_of_type CHECK (
    (type = 'webhook' AND url IS NOT NULL AND signing_secret_encrypted IS NOT NULL AND email_to IS NULL)
    OR (type = 'email' AND email_to IS NOT NULL AND url IS NULL AND signing_secret_encrypted IS NULL))
);
--> statement-breakpoint
CREATE INDEX alert_channels_list_idx ON alert_channels (organization_id, created_at DESC, id DESC);
--> statement-breakpoint
CREATE INDEX alert_channels_created_by_idx ON alert_channels (created_by);
--> statement-breakpoint
-- One alert per event, recorded whether or not the organization has channels. History: a deleted site or job leaves
-- its alerts, which keep the names they were raised with in `body` (the AlertBody sent, with `link` relative to
-- PUBLIC_URL).
CREATE TABLE alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('site.failing', 'site.recovered', 'site.disabled', 'sync.failed', 'test')),
  site_id uuid,
  job_id uuid,
  body jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, id),
  FOREIGN KEY (organization_id, site_id) REFERENCES sites (organization_id, id) ON DELETE SET NULL (site_id),
  FOREIGN KEY (organization_id, job_id) REFERENCES sync_jobs (organization_id, id) ON DELETE SET NULL (job_id)
);
--> statement-breakpoint
CREATE INDEX alerts_list_idx ON alerts (organization_id, created_at DESC, id DESC);
--> statement-breakpoint
CREATE INDEX alerts_site_idx ON alerts (organization_id, site_id);
--> statement-breakpoint
CREATE INDEX alerts_job_idx ON alerts (organization_id, job_id);
--> statement-breakpoint
-- One send of an alert to one channel. A removed channel leaves its sends (channel_id NULL, channel_type kept).
CREATE TABLE alert_sends (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  alert_id uuid NOT NULL,
  channel_id uuid,
  channel_type text NOT NULL CHECK (channel_type IN ('webhook', 'email')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'success', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  response_code integer,
  error text,
  next_attempt_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  FOREIGN KEY (organization_id, alert_id) REFERENCES alerts (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, channel_id) REFERENCES alert_channels (organization_id, id)
    ON DELETE SET NULL (channel_id)
);
--> statement-breakpoint
CREATE INDEX alert_sends_alert_idx ON alert_sends (organization_id, alert_id);
--> statement-breakpoint
CREATE INDEX alert_sends_channel_idx ON alert_sends (organization_id, channel_id);
--> statement-breakpoint
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['alert_channels', 'alerts', 'alert_sends'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I TO datasync_app '
      'USING (organization_id = nullif(current_setting(''app.org_id'', true), '''')::uuid) '
      'WITH CHECK (organization_id = nullif(current_setting(''app.org_id'', true), '''')::uuid)', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO datasync_app', t);
  END LOOP;
END $$;
