-- DataSync initial schema. Runs on PostgreSQL 15+ and PGlite. Statements are separated by drizzle's
-- breakpoint marker because PGlite prepares each statement on its own.

-- The role every request runs as (SET LOCAL ROLE). Roles are cluster-wide and test databases are created in
-- parallel on one server, so creation tolerates a concurrent twin.
DO $$
BEGIN
  CREATE ROLE datasync_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'datasync_app', 'MEMBER') THEN
    EXECUTE format('GRANT datasync_app TO %I', current_user);
  END IF;
END $$;
--> statement-breakpoint

-- Identity (better-auth). Global, not tenant data: only the auth layer (connection role) touches sessions,
-- accounts and verifications; the app role may read users it shares an organization with.
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  email_verified boolean NOT NULL DEFAULT false,
  image text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token text NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  ip_address text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
--> statement-breakpoint
CREATE TABLE accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  account_id text NOT NULL,
  provider_id text NOT NULL,
  access_token text,
  refresh_token text,
  id_token text,
  access_token_expires_at timestamptz,
  refresh_token_expires_at timestamptz,
  scope text,
  password text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX accounts_user_id_idx ON accounts (user_id);
--> statement-breakpoint
CREATE TABLE verifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  identifier text NOT NULL,
  value text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX verifications_identifier_idx ON verifications (identifier);
--> statement-breakpoint

-- Tenancy
CREATE TABLE organizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE TABLE memberships (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, user_id)
);
--> statement-breakpoint
CREATE INDEX memberships_user_id_idx ON memberships (user_id);
--> statement-breakpoint
CREATE TABLE invitations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  email text NOT NULL,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
  token_hash text NOT NULL UNIQUE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'revoked')),
  invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
  accepted_by uuid REFERENCES users (id) ON DELETE SET NULL,
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX invitations_organization_id_idx ON invitations (organization_id, created_at DESC);
--> statement-breakpoint
CREATE INDEX invitations_invited_by_idx ON invitations (invited_by);
--> statement-breakpoint
CREATE INDEX invitations_accepted_by_idx ON invitations (accepted_by);
--> statement-breakpoint
CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
  prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
--> statement-breakpoint
CREATE INDEX api_keys_organization_id_idx ON api_keys (organization_id, created_at DESC);
--> statement-breakpoint
CREATE INDEX api_keys_created_by_idx ON api_keys (created_by);
--> statement-breakpoint

-- Content
CREATE TABLE content_types (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  slug text NOT NULL,
  schema jsonb NOT NULL CHECK (jsonb_typeof(schema) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, slug),
  UNIQUE (organization_id, id)
);
--> statement-breakpoint
CREATE TABLE content_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  content_type_id uuid NOT NULL,
  title text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
  published_at timestamptz,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, id),
  -- Composite key: an item can only use a type of its own organization (FK checks bypass RLS).
  FOREIGN KEY (organization_id, content_type_id) REFERENCES content_types (organization_id, id) ON DELETE RESTRICT
);
--> statement-breakpoint
CREATE INDEX content_items_type_idx ON content_items (organization_id, content_type_id);
--> statement-breakpoint
CREATE INDEX content_items_list_idx ON content_items (organization_id, created_at DESC, id DESC);
--> statement-breakpoint
CREATE INDEX content_items_status_idx ON content_items (organization_id, status, created_at DESC, id DESC);
--> statement-breakpoint
CREATE INDEX content_items_created_by_idx ON content_items (created_by);
--> statement-breakpoint

-- Sites (destinations)
CREATE TABLE sites (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  slug text NOT NULL,
  destination_url text NOT NULL,
  public_url text,
  -- AES-256-GCM ciphertexts (never the plain secret). The previous secret keeps signing until it expires.
  signing_secret_encrypted text NOT NULL,
  previous_signing_secret_encrypted text,
  previous_secret_expires_at timestamptz,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  -- The last version handed out; each new payload for the site takes the next one.
  current_version integer NOT NULL DEFAULT 0,
  last_sync_status text CHECK (last_sync_status IN ('success', 'failed', 'up_to_date')),
  last_sync_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, slug),
  UNIQUE (organization_id, id)
);
--> statement-breakpoint
CREATE TABLE site_item_mappings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  site_id uuid NOT NULL,
  content_item_id uuid NOT NULL,
  mode text NOT NULL CHECK (mode IN ('full', 'override', 'block')),
  overrides jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(overrides) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, site_id, content_item_id),
  FOREIGN KEY (organization_id, site_id) REFERENCES sites (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, content_item_id) REFERENCES content_items (organization_id, id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX site_item_mappings_item_idx ON site_item_mappings (organization_id, content_item_id);
--> statement-breakpoint

-- Sync
CREATE TABLE sync_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'success', 'partial', 'failed')),
  trigger text NOT NULL CHECK (trigger IN ('manual', 'publish', 'schedule', 'api')),
  force boolean NOT NULL DEFAULT false,
  -- The sites asked for; NULL means every site of the organization.
  site_ids uuid[],
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  api_key_id uuid REFERENCES api_keys (id) ON DELETE SET NULL,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz,
  UNIQUE (organization_id, id)
);
--> statement-breakpoint
CREATE INDEX sync_jobs_list_idx ON sync_jobs (organization_id, created_at DESC, id DESC);
--> statement-breakpoint
CREATE INDEX sync_jobs_created_by_idx ON sync_jobs (created_by);
--> statement-breakpoint
CREATE INDEX sync_jobs_api_key_id_idx ON sync_jobs (api_key_id);
--> statement-breakpoint
CREATE TABLE deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  job_id uuid NOT NULL,
  site_id uuid NOT NULL,
  version integer,
  payload_hash text,
  -- Standard Webhooks message id: stable across retries of this delivery, so receivers can dedupe.
  webhook_id text NOT NULL,
  item_count integer,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'in_progress', 'success', 'failed', 'superseded', 'up_to_date')),
  attempts integer NOT NULL DEFAULT 0,
  response_code integer,
  latency_ms integer,
  error text,
  next_attempt_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  UNIQUE (job_id, site_id),
  FOREIGN KEY (organization_id, job_id) REFERENCES sync_jobs (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, site_id) REFERENCES sites (organization_id, id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX deliveries_job_idx ON deliveries (organization_id, job_id);
--> statement-breakpoint
CREATE INDEX deliveries_site_idx ON deliveries (organization_id, site_id, created_at DESC);
--> statement-breakpoint
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
--> statement-breakpoint
CREATE TABLE job_logs (
  -- A monotonically increasing id orders the log and serves as the SSE event id.
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  job_id uuid NOT NULL,
  site_id uuid,
  level text NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
  message text NOT NULL,
  metadata jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (organization_id, job_id) REFERENCES sync_jobs (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, site_id) REFERENCES sites (organization_id, id) ON DELETE SET NULL (site_id)
);
--> statement-breakpoint
CREATE INDEX job_logs_job_idx ON job_logs (organization_id, job_id, id);
--> statement-breakpoint
CREATE INDEX job_logs_site_idx ON job_logs (organization_id, site_id);
--> statement-breakpoint
CREATE TABLE destination_snapshots (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  site_id uuid NOT NULL UNIQUE,
  job_id uuid,
  version integer NOT NULL,
  payload jsonb NOT NULL,
  payload_hash text NOT NULL,
  item_count integer NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (organization_id, site_id) REFERENCES sites (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, job_id) REFERENCES sync_jobs (organization_id, id) ON DELETE SET NULL (job_id)
);
--> statement-breakpoint
CREATE INDEX destination_snapshots_org_site_idx ON destination_snapshots (organization_id, site_id);
--> statement-breakpoint
CREATE INDEX destination_snapshots_job_idx ON destination_snapshots (organization_id, job_id);
--> statement-breakpoint

-- Audit: who changed what, when, with the row before and after.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  actor_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  actor_api_key_id uuid REFERENCES api_keys (id) ON DELETE SET NULL,
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id uuid,
  before jsonb,
  after jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX audit_log_list_idx ON audit_log (organization_id, created_at DESC, id DESC);
--> statement-breakpoint
CREATE INDEX audit_log_entity_idx ON audit_log (organization_id, entity_type, entity_id);
--> statement-breakpoint
CREATE INDEX audit_log_actor_user_idx ON audit_log (actor_user_id);
--> statement-breakpoint
CREATE INDEX audit_log_actor_api_key_idx ON audit_log (actor_api_key_id);
--> statement-breakpoint

-- Row-level security. Every table with an organization_id is visible to the app role only for the organization
-- set in the transaction; no organization set means no rows (nullif turns the reverted '' into NULL).
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'memberships', 'invitations', 'api_keys', 'content_types', 'content_items', 'sites', 'site_item_mappings',
    'sync_jobs', 'deliveries', 'job_logs', 'destination_snapshots', 'audit_log'
  ] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I TO datasync_app '
      'USING (organization_id = nullif(current_setting(''app.org_id'', true), '''')::uuid) '
      'WITH CHECK (organization_id = nullif(current_setting(''app.org_id'', true), '''')::uuid)', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO datasync_app', t);
  END LOOP;
END $$;
--> statement-breakpoint
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON organizations TO datasync_app
  USING (id = nullif(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('app.org_id', true), '')::uuid);
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON organizations TO datasync_app;
--> statement-breakpoint

-- Look-ups that must cross tenants, each narrowed to exactly what the caller can prove, and only while no
-- organization is set: inside a tenant's transaction nothing of another tenant shows, not even the caller's own.
-- A signed-in user reads their own memberships and the organizations they belong to ...
CREATE POLICY own_memberships ON memberships FOR SELECT TO datasync_app
  USING (nullif(current_setting('app.org_id', true), '') IS NULL
    AND user_id = nullif(current_setting('app.user_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY member_organizations ON organizations FOR SELECT TO datasync_app
  USING (nullif(current_setting('app.org_id', true), '') IS NULL AND EXISTS (
    SELECT 1 FROM memberships m
    WHERE m.organization_id = organizations.id
      AND m.user_id = nullif(current_setting('app.user_id', true), '')::uuid));
--> statement-breakpoint
-- ... a caller holding an API key reads that key's row (found by its hash) ...
CREATE POLICY key_holder ON api_keys FOR SELECT TO datasync_app
  USING (nullif(current_setting('app.org_id', true), '') IS NULL
    AND key_hash = nullif(current_setting('app.api_key_hash', true), ''));
--> statement-breakpoint
-- ... and a caller holding an invitation token reads that invitation.
CREATE POLICY token_holder ON invitations FOR SELECT TO datasync_app
  USING (nullif(current_setting('app.org_id', true), '') IS NULL
    AND token_hash = nullif(current_setting('app.invitation_token_hash', true), ''));
--> statement-breakpoint
-- Users: the app role reads itself and the members of the current organization, never writes.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY visible_users ON users FOR SELECT TO datasync_app
  USING (
    id = nullif(current_setting('app.user_id', true), '')::uuid
    OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id));
--> statement-breakpoint
GRANT SELECT ON users TO datasync_app;
