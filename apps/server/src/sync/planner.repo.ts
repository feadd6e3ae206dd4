import { and, eq, sql } from 'drizzle-orm';
import { deliveries, destinationSnapshots, sites } from '../db/schema/index.js';
import { uuidArray } from '../db/sql-arrays.js';
import type { Tx } from '../db/types.js';
import type { DeliveryRow } from './sync-jobs.repo.js';

// The planner's statements, each covering every site of a job at once: a 1,000-site plan is a handful of
// statements, not thousands (issue 4's performance goals; docs/benchmarks.md).

/** The last accepted version and payload hash per site. */
export async function snapshotHashesOfSites(
  tx: Tx,
  siteIds: string[],
): Promise<Map<string, { version: number; payloadHash: string }>> {
  if (siteIds.length === 0) return new Map();
  const rows = await tx
    .select({
      siteId: destinationSnapshots.siteId,
      version: destinationSnapshots.version,
      payloadHash: destinationSnapshots.payloadHash,
    })
    .from(destinationSnapshots)
    .where(sql`${destinationSnapshots.siteId} = ANY(${uuidArray(siteIds)})`);
  return new Map(rows.map(({ siteId, ...snapshot }) => [siteId, snapshot]));
}

/** A newer payload makes the sites' older, not yet sent deliveries pointless: only the newest state matters. */
export async function supersedePendingDeliveries(tx: Tx, siteIds: string[]) {
  if (siteIds.length === 0) return [];
  return tx
    .update(deliveries)
    .set({ status: 'superseded', completedAt: sql`now()`, updatedAt: sql`now()`, nextAttemptAt: null })
    .where(and(sql`${deliveries.siteId} = ANY(${uuidArray(siteIds)})`, eq(deliveries.status, 'pending')))
    .returning({
      id: deliveries.id,
      jobId: deliveries.jobId,
      siteId: deliveries.siteId,
      version: deliveries.version,
    });
}

/** Each site's next payload version; the row locks also order concurrent plans for one site. */
export async function takeNextVersions(tx: Tx, siteIds: string[]): Promise<Map<string, number>> {
  if (siteIds.length === 0) return new Map();
  const rows = await tx
    .update(sites)
    .set({ currentVersion: sql`${sites.currentVersion} + 1` })
    .where(sql`${sites.id} = ANY(${uuidArray(siteIds)})`)
    .returning({ id: sites.id, version: sites.currentVersion });
  return new Map(rows.map((row) => [row.id, row.version]));
}

export type NewDelivery = Pick<DeliveryRow, 'organizationId' | 'jobId' | 'siteId' | 'webhookId' | 'status'> &
  Partial<Pick<DeliveryRow, 'version' | 'payloadHash' | 'itemCount' | 'body' | 'completedAt'>>;

/** Rows per INSERT: bounds one statement's size (16 KB bodies) without many round trips. */
const INSERT_CHUNK = 200;

/** Inserts the deliveries; answers each one's id with its site. */
export async function insertDeliveries(
  tx: Tx,
  rows: NewDelivery[],
): Promise<{ id: string; siteId: string }[]> {
  const inserted: { id: string; siteId: string }[] = [];
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    inserted.push(
      ...(await tx
        .insert(deliveries)
        .values(rows.slice(start, start + INSERT_CHUNK))
        .returning({ id: deliveries.id, siteId: deliveries.siteId })),
    );
  }
  return inserted;
}
