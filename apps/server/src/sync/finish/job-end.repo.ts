import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { deliveries, sites, syncJobs } from '../../db/schema/index.js';
import type { DeliveryStatus } from '../../db/schema/sync.js';
import type { Tx } from '../../db/types.js';
import type { SyncJobRow } from '../jobs/sync-jobs.repo.js';

/**
 * The job row, locked FOR NO KEY UPDATE, not FOR UPDATE: every delivery and snapshot row written for the job holds a
 * KEY SHARE lock on it through its foreign key, which FOR UPDATE would wait for, so two workers each holding one
 * and wanting the other's deadlocked (seen on PostgreSQL with concurrent deliveries of one job).
 */
export async function lockSyncJob(tx: Tx, id: string): Promise<SyncJobRow | undefined> {
  const [row] = await tx.select().from(syncJobs).where(eq(syncJobs.id, id)).for('no key update');
  return row;
}

export async function updateSyncJob(
  tx: Tx,
  id: string,
  values: Partial<Pick<SyncJobRow, 'status' | 'startedAt' | 'completedAt' | 'error'>>,
): Promise<void> {
  await tx.update(syncJobs).set(values).where(eq(syncJobs.id, id));
}

/** Whether any delivery of the job is still pending or in progress (a partial index answers it). */
export async function hasUnfinishedDeliveries(tx: Tx, jobId: string): Promise<boolean> {
  const rows = await tx
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.jobId, jobId), inArray(deliveries.status, ['pending', 'in_progress'])))
    .limit(1);
  return rows.length > 0;
}

export async function countDeliveriesByStatus(tx: Tx, jobId: string): Promise<Map<DeliveryStatus, number>> {
  const rows = await tx
    .select({ status: deliveries.status, count: sql<number>`count(*)::int` })
    .from(deliveries)
    .where(eq(deliveries.jobId, jobId))
    .groupBy(deliveries.status);
  return new Map(rows.map((row) => [row.status, Number(row.count)]));
}

/** The slugs of the job's sites whose delivery failed, in slug order, at most `limit` of them. */
export async function failedSiteSlugs(tx: Tx, jobId: string, limit: number): Promise<string[]> {
  const rows = await tx
    .select({ slug: sites.slug })
    .from(deliveries)
    .innerJoin(sites, eq(sites.id, deliveries.siteId))
    .where(and(eq(deliveries.jobId, jobId), eq(deliveries.status, 'failed')))
    .orderBy(asc(sites.slug))
    .limit(limit);
  return rows.map((row) => row.slug);
}
