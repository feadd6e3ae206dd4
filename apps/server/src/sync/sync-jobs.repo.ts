import { and, asc, desc, eq, gt, inArray, ne, sql } from 'drizzle-orm';
import {
  deliveries,
  destinationSnapshots,
  jobLogs,
  payloads,
  siteItemMappings,
  sites,
  syncJobs,
} from '../db/schema/index.js';
import type { DeliveryStatus, JobStatus, JobTrigger, LogLevel } from '../db/schema/sync.js';
import { uuidArray } from '../db/sql-arrays.js';
import { webhookBody } from './webhook-body.js';
import type { Tx } from '../db/types.js';
import { rowsOf } from '../db/rows-of.js';
import { liveLogRowOf } from '../live/live.repo.js';
import { writtenLines } from '../live/written-lines.js';
import { cursorKeyOf, keyset } from '../http/pagination.js';

export type SyncJobRow = typeof syncJobs.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type JobLogRow = typeof jobLogs.$inferSelect;

export async function insertSyncJob(
  tx: Tx,
  values: {
    organizationId: string;
    trigger: JobTrigger;
    force: boolean;
    siteIds: string[] | null;
    createdBy: string | null;
    apiKeyId: string | null;
  },
): Promise<SyncJobRow> {
  const [row] = await tx.insert(syncJobs).values(values).returning();
  return row!;
}

/**
 * `lock` takes FOR NO KEY UPDATE, not FOR UPDATE: every delivery and snapshot row written for the job holds a
 * KEY SHARE lock on it through its foreign key, which FOR UPDATE would wait for, so two workers each holding one
 * and wanting the other's deadlocked (seen on PostgreSQL with concurrent deliveries of one job).
 */
export async function findSyncJob(tx: Tx, id: string, options: { lock?: boolean } = {}) {
  const query = tx.select().from(syncJobs).where(eq(syncJobs.id, id));
  const [row] = options.lock ? await query.for('no key update') : await query;
  return row;
}

export function listSyncJobs(tx: Tx, page: { limit: number; cursor?: string }) {
  const { after, orderBy } = keyset(syncJobs, page.cursor);
  return tx
    .select({ row: syncJobs, cursorKey: cursorKeyOf(syncJobs.createdAt) })
    .from(syncJobs)
    .where(after)
    .orderBy(...orderBy)
    .limit(page.limit + 1);
}

export async function updateSyncJob(
  tx: Tx,
  id: string,
  values: Partial<Pick<SyncJobRow, 'status' | 'startedAt' | 'completedAt' | 'error'>>,
): Promise<void> {
  await tx.update(syncJobs).set(values).where(eq(syncJobs.id, id));
}

/** The sites a job covers: the ones it names, or (no condition) every site of the organization. */
const sitesOfJobCondition = (siteIds: string[] | null) =>
  siteIds ? sql`${sites.id} = ANY(${uuidArray(siteIds)})` : undefined;

/** The sites a job covers: the ones it names, or every site of the organization. */
export function sitesOfJob(tx: Tx, siteIds: string[] | null) {
  return tx.select().from(sites).where(sitesOfJobCondition(siteIds)).orderBy(asc(sites.slug));
}

/** The job's next sites to plan: after `afterId`, in id order (the order a plan's chunks follow). */
export function nextSitesToPlan(tx: Tx, siteIds: string[] | null, afterId: string | null, limit: number) {
  return tx
    .select({
      id: sites.id,
      slug: sites.slug,
      name: sites.name,
      enabled: sites.enabled,
      disabledReason: sites.disabledReason,
    })
    .from(sites)
    .where(and(sitesOfJobCondition(siteIds), afterId ? gt(sites.id, afterId) : undefined))
    .orderBy(asc(sites.id))
    .limit(limit);
}

export async function countSitesOfJob(tx: Tx, siteIds: string[] | null): Promise<number> {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(sites)
    .where(sitesOfJobCondition(siteIds));
  return row!.count;
}

/**
 * Moves the job's plan past a chunk of sites, if no one else did meanwhile: answers false when the job is no longer
 * where this plan read it (the same plan run twice at once, pg-boss having handed it out again), and the caller then
 * rolls its chunk back. The first chunk also starts the job; the last one marks it planned.
 */
export async function advancePlan(
  tx: Tx,
  job: Pick<SyncJobRow, 'id' | 'status' | 'planCursor'>,
  to: { cursor: string | null; planned: boolean; startedAt: Date },
): Promise<boolean> {
  const rows = await tx
    .update(syncJobs)
    .set({
      status: 'running',
      startedAt: to.startedAt.toISOString(),
      planCursor: to.cursor,
      ...(to.planned ? { plannedAt: sql`now()` } : {}),
    })
    .where(
      and(
        eq(syncJobs.id, job.id),
        eq(syncJobs.status, job.status),
        job.planCursor ? eq(syncJobs.planCursor, job.planCursor) : sql`${syncJobs.planCursor} IS NULL`,
        sql`${syncJobs.plannedAt} IS NULL`,
      ),
    )
    .returning({ id: syncJobs.id });
  return rows.length === 1;
}

/** A delivery with its site, locked: two workers never work on one delivery at once. */
export async function lockDelivery(tx: Tx, id: string) {
  const [row] = await tx
    .select({ delivery: deliveries, site: sites })
    .from(deliveries)
    .innerJoin(sites, eq(sites.id, deliveries.siteId))
    .where(eq(deliveries.id, id))
    .for('no key update', { of: deliveries });
  return row;
}

export async function updateDelivery(
  tx: Tx,
  id: string,
  values: Partial<
    Pick<
      DeliveryRow,
      'status' | 'attempts' | 'responseCode' | 'latencyMs' | 'error' | 'nextAttemptAt' | 'completedAt'
    >
  >,
): Promise<void> {
  await tx
    .update(deliveries)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(deliveries.id, id));
}

export function listJobSites(tx: Tx, jobId: string) {
  return tx
    .select({ delivery: deliveries, siteSlug: sites.slug, siteName: sites.name })
    .from(deliveries)
    .innerJoin(sites, eq(sites.id, deliveries.siteId))
    .where(eq(deliveries.jobId, jobId))
    .orderBy(asc(sites.slug));
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

export interface NewLog {
  organizationId: string;
  jobId: string;
  siteId?: string | null;
  level: LogLevel;
  message: string;
  metadata?: Record<string, unknown> | null;
  /** The site's delivery status this line reports, if it reports one (becomes a live `site` event). */
  siteStatus?: DeliveryStatus | null;
  /** The job's status this line reports, if it reports one (becomes a live `job` event). */
  jobStatus?: JobStatus | null;
}

/**
 * Log ids come from an identity sequence at insert time, but transactions commit in their own order: without a
 * lock, a transaction holding id 7 could commit after another's id 8, and a live stream that had resumed "after 8"
 * would never see 7. So the jobs' rows are locked first (FOR NO KEY UPDATE, as finalizeJobIfDone locks them,
 * held to commit): a second writer of the same job waits until the first commits, and only then draws its ids.
 * Each job's log therefore becomes visible in id order (GET /api/v1/sync-jobs/:id/events relies on it).
 * Ascending id order is the one lock order every writer uses, so two writers of several jobs cannot deadlock.
 * Every job_logs insert must go through here. Two statements whatever the number of lines.
 */
export async function insertLogs(tx: Tx, logs: NewLog[]): Promise<void> {
  if (logs.length === 0) return;
  const jobIds = [...new Set(logs.map((log) => log.jobId))];
  await tx
    .select({ id: syncJobs.id })
    .from(syncJobs)
    .where(
      sql`${syncJobs.id} IN (${sql.join(
        jobIds.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    )
    .orderBy(asc(syncJobs.id))
    .for('no key update');
  // One JSON parameter rather than Drizzle's multi-row VALUES: a 1,000-site plan writes 1,000 lines, and building
  // that statement cost more than running it. Ids follow the array's order (WITH ORDINALITY … ORDER BY).
  const records = logs.map((log) => ({
    organization_id: log.organizationId,
    job_id: log.jobId,
    site_id: log.siteId ?? null,
    level: log.level,
    message: log.message,
    metadata: log.metadata ?? null,
    site_status: log.siteStatus ?? null,
    job_status: log.jobStatus ?? null,
  }));
  const insert = sql`
    INSERT INTO job_logs (organization_id, job_id, site_id, level, message, metadata, site_status, job_status)
    SELECT organization_id, job_id, site_id, level, message, metadata, site_status, job_status
    FROM ROWS FROM (json_to_recordset(${JSON.stringify(records)}::json) AS (
      organization_id uuid, job_id uuid, site_id uuid, level text, message text, metadata jsonb,
      site_status text, job_status text
    )) WITH ORDINALITY AS v (organization_id, job_id, site_id, level, message, metadata, site_status, job_status, n)
    ORDER BY n`;
  const followed = jobIds.filter((jobId) => writtenLines.wants(jobId));
  if (followed.length === 0) {
    await tx.execute(insert);
    return;
  }
  // A live tail of this isolate follows some of these jobs: it takes their lines from here at the commit's
  // notification instead of reading them back (written-lines.ts). The rows as a read would return them.
  const rows = await rowsOf(
    tx,
    sql`${insert}
    RETURNING id, organization_id, job_id, site_id, level, message, metadata, site_status, job_status, created_at,
      (SELECT s.slug FROM sites s WHERE s.id = job_logs.site_id) AS site_slug`,
  );
  for (const jobId of followed)
    writtenLines.keep(jobId, rows.filter((row) => row.job_id === jobId).map(liveLogRowOf));
}

export function listJobLogs(tx: Tx, jobId: string, afterId = 0, limit = 1000) {
  return tx
    .select()
    .from(jobLogs)
    .where(and(eq(jobLogs.jobId, jobId), gt(jobLogs.id, afterId)))
    .orderBy(asc(jobLogs.id))
    .limit(limit);
}

/** Joins a delivery or snapshot to the stored items its payload hash names (migration 0004). */
const itsPayload = (table: typeof deliveries | typeof destinationSnapshots) =>
  and(eq(payloads.organizationId, table.organizationId), eq(payloads.hash, table.payloadHash));

/** A delivery's webhook body (its envelope with the stored items, or its whole body before migration 0004). */
export async function findDeliveryPayload(tx: Tx, deliveryId: string) {
  const [row] = await tx
    .select({ delivery: deliveries, items: payloads.items })
    .from(deliveries)
    .leftJoin(payloads, itsPayload(deliveries))
    .where(eq(deliveries.id, deliveryId));
  if (!row) return undefined;
  const { delivery, items } = row;
  const body =
    delivery.envelope !== null && items !== null ? webhookBody(delivery.envelope, items) : delivery.body;
  return { delivery, body };
}

/** A site's last accepted payload: its envelope with the stored items, or, taken before migration 0004, whole. */
export async function findSnapshotBySite(tx: Tx, siteId: string) {
  const [row] = await tx
    .select({ snapshot: destinationSnapshots, items: payloads.items })
    .from(destinationSnapshots)
    .leftJoin(payloads, itsPayload(destinationSnapshots))
    .where(eq(destinationSnapshots.siteId, siteId));
  if (!row) return undefined;
  const { envelope, payload, ...snapshot } = row.snapshot;
  return {
    ...snapshot,
    payload:
      envelope !== null && row.items !== null
        ? (JSON.parse(webhookBody(envelope, row.items)) as unknown)
        : payload,
  };
}

export type { JobStatus };

/** The organization's publish-triggered job still waiting to be planned, locked so merges and planning queue up. */
export async function findQueuedPublishJob(tx: Tx): Promise<SyncJobRow | undefined> {
  const [row] = await tx
    .select()
    .from(syncJobs)
    .where(and(eq(syncJobs.trigger, 'publish'), eq(syncJobs.status, 'queued')))
    .orderBy(desc(syncJobs.createdAt))
    .limit(1)
    .for('no key update');
  return row;
}

export async function setJobSites(tx: Tx, jobId: string, siteIds: string[]): Promise<void> {
  await tx.update(syncJobs).set({ siteIds }).where(eq(syncJobs.id, jobId));
}

/** Sites that receive an item (mapped full or override): the ones a change to it concerns. */
export async function sitesReceivingItem(tx: Tx, itemId: string): Promise<string[]> {
  const rows = await tx
    .select({ siteId: siteItemMappings.siteId })
    .from(siteItemMappings)
    .where(and(eq(siteItemMappings.contentItemId, itemId), ne(siteItemMappings.mode, 'block')));
  return rows.map((row) => row.siteId);
}

/** When the site last accepted a delivery, or null if it never has. */
export async function lastSuccessAt(tx: Tx, siteId: string): Promise<string | null> {
  const [row] = await tx
    .select({ at: sql<string | null>`max(${deliveries.completedAt})` })
    .from(deliveries)
    .where(and(eq(deliveries.siteId, siteId), eq(deliveries.status, 'success')));
  return row?.at ? new Date(row.at).toISOString() : null;
}
