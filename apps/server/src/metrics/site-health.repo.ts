import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/rows-of.js';
import { acrossTenants } from '../db/tenant.js';
import type { AppDb } from '../db/types.js';

export type SiteHealth = 'healthy' | 'failing' | 'disabled';

/**
 * Sites of every organization by health (migration 0011): disabled when not enabled, failing while failing_since
 * is set, else healthy. Aggregate counts, read as the connection role outside any tenant, as /metrics reports them.
 */
export async function countSitesByHealth(db: AppDb): Promise<Record<SiteHealth, number>> {
  const [row] = await acrossTenants(db, (tx) =>
    rowsOf<Record<SiteHealth, number>>(
      tx,
      sql`SELECT count(*) FILTER (WHERE enabled AND failing_since IS NULL)::int AS healthy,
               count(*) FILTER (WHERE enabled AND failing_since IS NOT NULL)::int AS failing,
               count(*) FILTER (WHERE NOT enabled)::int AS disabled
          FROM sites`,
    ),
  );
  return row!;
}
