-- The sync workers that are running, each with the pg-boss jobs it holds. Written by the workers through the
-- connection role, never by a tenant (it is operational state, like the pgboss schema): no organization_id, no RLS,
-- and the app role gets no grant on it. A job that is active in the queue while no recently seen worker lists it
-- belongs to a process that died, and is handed back at once instead of on pg-boss's expiry (decision 022).
CREATE TABLE sync_workers (
  id uuid PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  started_at timestamp with time zone NOT NULL DEFAULT now(),
  last_seen_at timestamp with time zone NOT NULL DEFAULT now(),
  held_job_ids uuid[] NOT NULL DEFAULT '{}'
);
