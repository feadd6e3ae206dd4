import { and, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { deliveries, payloads } from '../../db/schema/index.js';
import type { SiteDeliveryTrigger } from '../../db/schema/sync.js';
import type { Tx } from '../../db/types.js';

// A site's own sends: after a job's pass over a site, its durable retries, a redelivery and the send on re-enabling
// belong to the site (job_id NULL, `trigger` saying why). Each is a copy of a planned delivery: same version, same
// payload and envelope, same webhook id (a receiver that got it already applies it once).

/** What a site's own send copies from the planned delivery it sends again. */
export interface PlannedPayload {
  organizationId: string;
  siteId: string;
  version: number;
  webhookId: string;
  payloadHash: string | null;
  itemCount: number | null;
  envelope: string | null;
  body: string | null;
}

const PLANNED_COLUMNS = {
  organizationId: deliveries.organizationId,
  siteId: deliveries.siteId,
  version: deliveries.version,
  webhookId: deliveries.webhookId,
  payloadHash: deliveries.payloadHash,
  itemCount: deliveries.itemCount,
  envelope: deliveries.envelope,
  body: deliveries.body,
};

/** The newest payload planned for the site (a job's or its own send's), or null when none ever was. */
export async function latestPlannedPayload(tx: Tx, siteId: string): Promise<PlannedPayload | null> {
  const [row] = await tx
    .select(PLANNED_COLUMNS)
    .from(deliveries)
    .where(
      and(
        eq(deliveries.siteId, siteId),
        isNotNull(deliveries.version),
        sql`(${deliveries.envelope} IS NOT NULL OR ${deliveries.body} IS NOT NULL)`,
      ),
    )
    .orderBy(desc(deliveries.version), desc(deliveries.createdAt))
    .limit(1);
  return row ? { ...row, version: row.version! } : null;
}

/**
 * Supersedes the site's pending own sends (there is at most one pending at a time: the newest version replaces
 * the rest), then inserts a pending own send of `payload`. Answers the new delivery's id.
 */
export async function insertSiteDelivery(
  tx: Tx,
  payload: PlannedPayload,
  trigger: SiteDeliveryTrigger,
  nextAttemptAt: string | null,
): Promise<string> {
  await supersedeSiteDeliveries(tx, payload.siteId);
  if (payload.payloadHash !== null) await keepPayload(tx, payload.organizationId, payload.payloadHash);
  const [row] = await tx
    .insert(deliveries)
    .values({ ...payload, jobId: null, trigger, status: 'pending', nextAttemptAt })
    .returning({ id: deliveries.id });
  return row!.id;
}

/**
 * Locks the stored payload the send is about to name (KEY SHARE), as the planner locks those it reuses
 * (planner.repo.ts insertPayloads): the retention job deletes an unnamed payload only under a lock that conflicts
 * with both, so it cannot delete this one before the send commits. KEY SHARE waits for no plan, nor a plan for it.
 * The planned delivery the send copies may have been pruned since it was read, and its payload with it: then the
 * send cannot be made.
 */
async function keepPayload(tx: Tx, organizationId: string, hash: string): Promise<void> {
  const [kept] = await tx
    .select({ hash: payloads.hash })
    .from(payloads)
    .where(and(eq(payloads.organizationId, organizationId), eq(payloads.hash, hash)))
    .for('key share');
  if (!kept) throw new Error(`Payload ${hash} was deleted by the retention job before its send was made`);
}

/** Supersedes the site's pending own sends (a redelivery, disabling the site): answers how many there were. */
export async function supersedeSiteDeliveries(tx: Tx, siteId: string): Promise<number> {
  const rows = await tx
    .update(deliveries)
    .set({ status: 'superseded', completedAt: sql`now()`, updatedAt: sql`now()`, nextAttemptAt: null })
    .where(and(eq(deliveries.siteId, siteId), isNull(deliveries.jobId), eq(deliveries.status, 'pending')))
    .returning({ id: deliveries.id });
  return rows.length;
}
