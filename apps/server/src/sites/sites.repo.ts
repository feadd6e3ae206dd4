import type { SiteHealth } from '@datasync/contracts';
import { and, eq, getTableColumns, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { jobLogs, sites } from '../db/schema/index.js';
import type { Tx } from '../db/types.js';
import { cursorKeyOf, keyset } from '../db/keyset.js';

export type SiteRow = typeof sites.$inferSelect;

/** The columns a create or update may set; tenancy comes from RLS, so no organization filter here. */
export type SiteChanges = Partial<
  Pick<
    SiteRow,
    | 'name'
    | 'slug'
    | 'destinationUrl'
    | 'publicUrl'
    | 'enabled'
    | 'disabledReason'
    | 'failingSince'
    | 'consecutiveFailures'
    | 'nextAttemptAt'
    | 'lastError'
  >
>;

/**
 * The sites of one health, as toSite derives it. `failing` and `disabled` imply the predicate of the partial index
 * sites_needing_attention_idx (migration 0011), so the planner can read those few rows from it.
 */
function healthCondition(health: SiteHealth): SQL {
  switch (health) {
    case 'disabled':
      return sql`NOT ${sites.enabled}`;
    case 'failing':
      return and(sql`${sites.enabled}`, isNotNull(sites.failingSince))!;
    case 'healthy':
      return and(sql`${sites.enabled}`, isNull(sites.failingSince))!;
  }
}

/** Newest first, `limit + 1` rows from `cursor` on (see toPage), of one health when `health` is given. */
export function listSites(
  tx: Tx,
  page: { limit: number; cursor?: string; health?: SiteHealth },
): Promise<(SiteRow & { cursorKey: string })[]> {
  const { after, orderBy } = keyset(sites, page.cursor);
  return tx
    .select({ ...getTableColumns(sites), cursorKey: cursorKeyOf(sites.createdAt) })
    .from(sites)
    .where(and(after, page.health ? healthCondition(page.health) : undefined))
    .orderBy(...orderBy)
    .limit(page.limit + 1);
}

/** `forUpdate` locks the row until the transaction ends, so concurrent rotations queue instead of racing. */
export async function findSite(
  tx: Tx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<SiteRow | undefined> {
  const query = tx.select().from(sites).where(eq(sites.id, id));
  const [row] = await (options.forUpdate ? query.for('update') : query);
  return row;
}

export async function insertSite(
  tx: Tx,
  values: {
    organizationId: string;
    name: string;
    slug: string;
    destinationUrl: string;
    publicUrl: string | null;
    signingSecretEncrypted: string;
  },
): Promise<SiteRow> {
  const [row] = await tx.insert(sites).values(values).returning();
  return row!;
}

export async function updateSite(tx: Tx, id: string, changes: SiteChanges): Promise<SiteRow | undefined> {
  const [row] = await tx
    .update(sites)
    .set({ ...changes, updatedAt: new Date().toISOString() })
    .where(eq(sites.id, id))
    .returning();
  return row;
}

/**
 * Makes `signingSecretEncrypted` current. The secret it replaces keeps signing until `previousExpiresAt`; with
 * no window (null) it is dropped at once. The right-hand sides read the row as it was, so this is one atomic step.
 */
export async function replaceSigningSecret(
  tx: Tx,
  id: string,
  signingSecretEncrypted: string,
  previousExpiresAt: Date | null,
): Promise<SiteRow | undefined> {
  const [row] = await tx
    .update(sites)
    .set({
      signingSecretEncrypted,
      previousSigningSecretEncrypted: previousExpiresAt ? sql`${sites.signingSecretEncrypted}` : null,
      previousSecretExpiresAt: previousExpiresAt ? previousExpiresAt.toISOString() : null,
      updatedAt: new Date().toISOString(),
    })
    .where(eq(sites.id, id))
    .returning();
  return row;
}

/**
 * Deletes the site; its deliveries and snapshot go with it (foreign keys), and its log lines, which are history,
 * stay without their site_id (migration 0007 dropped that key, checked on every line the engine writes).
 */
export async function deleteSite(tx: Tx, id: string): Promise<SiteRow | undefined> {
  const [row] = await tx.delete(sites).where(eq(sites.id, id)).returning();
  if (row) await tx.update(jobLogs).set({ siteId: null }).where(eq(jobLogs.siteId, id));
  return row;
}
