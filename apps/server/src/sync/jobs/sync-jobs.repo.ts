import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { jobLogs } from '../../db/schema/index.js';
import {
  deliveries,
  destinationSnapshots,
  payloads,
  siteItemMappings,
  sites,
  syncJobs,
} from '../../db/schema/index.js';
import type { JobTrigger } from '../../db/schema/sync.js';
import { uuidArray } from '../../db/sql-arrays.js';
import type { Tx } from '../../db/types.js';
import { cursorKeyOf, keyset } from '../../db/keyset.js';
import { webhookBody } from '../plan/webhook-body.js';

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

export async function findSyncJob(tx: Tx, id: string): Promise<SyncJobRow | undefined> {
  const [row] = await tx.select().from(syncJobs).where(eq(syncJobs.id, id));
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

/** The sites a job covers: the ones it names, or (no condition) every site of the organization. */
export const sitesOfJobCondition = (siteIds: string[] | null) =>
  siteIds ? sql`${sites.id} = ANY(${uuidArray(siteIds)})` : undefined;

/** The sites a job covers: the ones it names, or every site of the organization. */
export function sitesOfJob(tx: Tx, siteIds: string[] | null) {
  return tx.select().from(sites).where(sitesOfJobCondition(siteIds)).orderBy(asc(sites.slug));
}

export function listJobSites(tx: Tx, jobId: string) {
  return tx
    .select({ delivery: deliveries, siteSlug: sites.slug, siteName: sites.name })
    .from(deliveries)
    .innerJoin(sites, eq(sites.id, deliveries.siteId))
    .where(eq(deliveries.jobId, jobId))
    .orderBy(asc(sites.slug));
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
