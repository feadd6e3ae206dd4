import { and, eq } from 'drizzle-orm';
import { cursorKeyOf, keyset } from '../../db/keyset.js';
import { deliveries, destinationSnapshots, sites } from '../../db/schema/index.js';
import type { Tx } from '../../db/types.js';

/** The version the site last accepted, or null when it has accepted none. */
export async function acceptedVersion(tx: Tx, siteId: string): Promise<number | null> {
  const [row] = await tx
    .select({ version: destinationSnapshots.version })
    .from(destinationSnapshots)
    .where(eq(destinationSnapshots.siteId, siteId));
  return row?.version ?? null;
}

/** The site has no durable retry waiting any more: a send due now took its place. */
export async function clearNextAttempt(tx: Tx, siteId: string): Promise<void> {
  await tx.update(sites).set({ nextAttemptAt: null }).where(eq(sites.id, siteId));
}

/**
 * The site's deliveries, its jobs' and its own sends alike, newest first: `limit + 1` rows from `cursor` on (see
 * toPage). The bodies stay in the table: a list does not carry payloads (GET /api/v1/deliveries/:id/payload does).
 */
export function listSiteDeliveries(tx: Tx, siteId: string, page: { limit: number; cursor?: string }) {
  const { after, orderBy } = keyset(deliveries, page.cursor);
  return tx
    .select({
      id: deliveries.id,
      jobId: deliveries.jobId,
      trigger: deliveries.trigger,
      version: deliveries.version,
      status: deliveries.status,
      attempts: deliveries.attempts,
      responseCode: deliveries.responseCode,
      error: deliveries.error,
      nextAttemptAt: deliveries.nextAttemptAt,
      createdAt: deliveries.createdAt,
      completedAt: deliveries.completedAt,
      cursorKey: cursorKeyOf(deliveries.createdAt),
    })
    .from(deliveries)
    .where(and(eq(deliveries.siteId, siteId), after))
    .orderBy(...orderBy)
    .limit(page.limit + 1);
}
