import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { deliveries, destinationSnapshots, payloads, sites, syncJobs } from '../../db/schema/index.js';
import { rowsOf } from '../../db/rows-of.js';
import { uuidArray } from '../../db/sql-arrays.js';
import type { Tx } from '../../db/types.js';
import { sitesOfJobCondition, type DeliveryRow, type SyncJobRow } from '../jobs/sync-jobs.repo.js';

// The planner's statements, each covering every site of a job at once: a 1,000-site plan is a handful of
// statements, not thousands (docs/benchmarks.md).

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

/**
 * Each site's next payload version; the row locks also order concurrent plans for one site. Its pending deliveries
 * were just superseded (supersedePendingDeliveries), so no retry of the site is due any more.
 */
export async function takeNextVersions(tx: Tx, siteIds: string[]): Promise<Map<string, number>> {
  if (siteIds.length === 0) return new Map();
  const rows = await tx
    .update(sites)
    .set({ currentVersion: sql`${sites.currentVersion} + 1`, nextAttemptAt: null })
    .where(sql`${sites.id} = ANY(${uuidArray(siteIds)})`)
    .returning({ id: sites.id, version: sites.currentVersion });
  return new Map(rows.map((row) => [row.id, row.version]));
}

export type NewDelivery = Pick<DeliveryRow, 'organizationId' | 'jobId' | 'siteId' | 'webhookId' | 'status'> &
  Partial<Pick<DeliveryRow, 'version' | 'payloadHash' | 'itemCount' | 'envelope' | 'completedAt'>>;

/** Payloads per INSERT: bounds one statement's size (16 KB each) without many round trips. */
const INSERT_CHUNK = 200;

/**
 * Stores the items arrays the plan sends, each once per organization and hash. One already stored (by an earlier
 * plan, or a concurrent one) is left as it is: the same hash is the same content. It is locked, though (an ON
 * CONFLICT update that updates nothing still locks the row): the retention job deletes a payload no delivery names
 * only under a FOR UPDATE lock, which conflicts with this one, so it cannot delete one this plan's deliveries are
 * about to name. The update names a column outside the key, so the lock is FOR NO KEY UPDATE: a site's own send
 * keeping the same payload (KEY SHARE, site-deliveries.repo.ts) and this plan never wait for each other.
 */
export async function insertPayloads(
  tx: Tx,
  organizationId: string,
  encoded: { hash: string; itemsJson: string }[],
): Promise<void> {
  // One row per hash (an ON CONFLICT update may not meet a row twice in one statement), in hash order, so that two
  // plans storing the same payloads lock them in the same order and cannot deadlock.
  const unique = [...new Map(encoded.map((payload) => [payload.hash, payload])).values()].sort((a, b) =>
    a.hash < b.hash ? -1 : 1,
  );
  for (let start = 0; start < unique.length; start += INSERT_CHUNK) {
    await tx
      .insert(payloads)
      .values(
        unique
          .slice(start, start + INSERT_CHUNK)
          .map((payload) => ({ organizationId, hash: payload.hash, items: payload.itemsJson })),
      )
      .onConflictDoUpdate({
        target: [payloads.organizationId, payloads.hash],
        set: { items: sql`excluded.items` },
        setWhere: sql`false`,
      });
  }
}

/**
 * Inserts the deliveries; answers each one's id with its site. One JSON parameter rather than Drizzle's multi-row
 * VALUES: for 1,000 deliveries, building that statement cost more than running it.
 */
export async function insertDeliveries(
  tx: Tx,
  rows: NewDelivery[],
): Promise<{ id: string; siteId: string }[]> {
  if (rows.length === 0) return [];
  const records = rows.map((row) => ({
    organization_id: row.organizationId,
    job_id: row.jobId,
    site_id: row.siteId,
    webhook_id: row.webhookId,
    status: row.status,
    version: row.version ?? null,
    payload_hash: row.payloadHash ?? null,
    item_count: row.itemCount ?? null,
    envelope: row.envelope ?? null,
    completed_at: row.completedAt ?? null,
  }));
  const inserted = await rowsOf<{ id: string; site_id: string }>(
    tx,
    sql`INSERT INTO deliveries
          (organization_id, job_id, site_id, webhook_id, status, version, payload_hash, item_count, envelope,
           completed_at)
        SELECT organization_id, job_id, site_id, webhook_id, status, version, payload_hash, item_count, envelope,
               completed_at
        FROM json_to_recordset(${JSON.stringify(records)}::json) AS v (
          organization_id uuid, job_id uuid, site_id uuid, webhook_id text, status text, version int,
          payload_hash text, item_count int, envelope text, completed_at timestamptz
        )
        RETURNING id, site_id`,
  );
  return inserted.map((row) => ({ id: row.id, siteId: row.site_id }));
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
