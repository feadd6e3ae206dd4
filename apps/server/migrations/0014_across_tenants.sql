-- Operational work over every organization (the retention job, the datasync_sites gauge: acrossTenants in
-- src/db/tenant.ts) runs as the connection role, outside any tenant. Row-level security is forced on the tenant
-- tables, so that role sees no rows there unless it is a superuser or has BYPASSRLS. Neither is needed: the role
-- running this migration (the tables' owner, normally the role of DATABASE_URL) gets a policy of its own on the
-- tables that work reads and deletes, which shows it every organization's rows while its transaction has set
-- app.across_tenants to 'on'. acrossTenants sets it transaction-locally, so it reverts to '' at the end of the
-- transaction, also on a pooled connection. The policy names that role only: the app role, which every tenant
-- transaction switches to, is not a member of it, and whatever such a transaction sets, its policies stay the
-- tenant_isolation ones. A superuser (PGlite's role, a test server's) bypasses row-level security anyway.
-- The snapshots' policy also lets a deleted job's trigger clear their job (migration 0008); the sites' is read-only.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'sync_jobs', 'job_logs', 'deliveries', 'payloads', 'destination_snapshots', 'alerts', 'alert_sends'
  ] LOOP
    EXECUTE format(
      'CREATE POLICY across_tenants ON %I TO %I '
      'USING (current_setting(''app.across_tenants'', true) = ''on'') '
      'WITH CHECK (current_setting(''app.across_tenants'', true) = ''on'')', t, current_user);
  END LOOP;
  EXECUTE format(
    'CREATE POLICY across_tenants ON sites FOR SELECT TO %I '
    'USING (current_setting(''app.across_tenants'', true) = ''on'')', current_user);
END $$;
