import type {
  CreateSyncJobBody,
  DeliveryPayload,
  JobLog,
  Page,
  Snapshot,
  SyncJob,
  SyncJobSummary,
} from '@datasync/contracts';
import type PgBoss from 'pg-boss';
import { scopeOf, type Principal } from '../../access/principal.js';
import { recordAudit } from '../../audit/audit.repo.js';
import type { DeliveryStatus, JobTrigger } from '../../db/schema/sync.js';
import { withTenant } from '../../db/tenant.js';
import type { AppDb } from '../../db/types.js';
import { toPage } from '../../http/pagination.js';
import { conflict, HttpProblem, notFound, unprocessable } from '../../http/problem.js';
import type { WorkKind } from '../queue/queue-jobs.js';
import { enqueuePlan } from '../queue/sync-queue.js';
import { listJobLogs } from './job-logs.repo.js';
import {
  findDeliveryPayload,
  findSnapshotBySite,
  findSyncJob,
  insertSyncJob,
  listJobSites,
  listSyncJobs,
  sitesOfJob,
  type JobLogRow,
  type SyncJobRow,
} from './sync-jobs.repo.js';

export interface SyncQueue {
  boss: PgBoss;
  wake(work?: WorkKind): void;
}

export function toSyncJobSummary(row: SyncJobRow): SyncJobSummary {
  return {
    id: row.id,
    status: row.status,
    trigger: row.trigger,
    force: row.force,
    error: row.error,
    created_at: row.createdAt,
    started_at: row.startedAt,
    completed_at: row.completedAt,
  };
}

function toJobLog(row: JobLogRow): JobLog {
  return {
    id: String(row.id),
    level: row.level,
    message: row.message,
    site_id: row.siteId,
    metadata: row.metadata,
    created_at: row.createdAt,
  };
}

/**
 * Creates a queued job and its queue entry in one transaction (both or neither), then wakes this process's worker
 * (workers in other processes hear of it through work-signal.ts).
 * Named sites must exist in the organization: a foreign or unknown id is a 422 naming it, never a silent skip.
 */
export async function createSyncJob(
  db: AppDb,
  queue: SyncQueue,
  principal: Principal,
  input: CreateSyncJobBody,
  trigger: JobTrigger = principal.kind === 'api_key' ? 'api' : 'manual',
): Promise<SyncJobSummary> {
  const job = await withTenant(db, scopeOf(principal), async (tx) => {
    const siteIds = input.site_ids ?? null;
    if (siteIds) {
      const found = new Set((await sitesOfJob(tx, siteIds)).map((site) => site.id));
      const missing = siteIds.flatMap((id, index) =>
        found.has(id)
          ? []
          : [
              {
                in: 'body' as const,
                pointer: `/site_ids/${index}`,
                message: 'is not a site of this organization',
              },
            ],
      );
      if (missing.length > 0) throw unprocessable('Some sites do not exist.', missing);
    }
    const row = await insertSyncJob(tx, {
      organizationId: principal.orgId,
      trigger,
      force: input.force ?? false,
      siteIds,
      createdBy: principal.userId,
      apiKeyId: principal.apiKeyId,
    });
    await enqueuePlan(tx, queue.boss, { jobId: row.id, orgId: principal.orgId });
    await recordAudit(tx, principal, {
      action: 'sync_job.create',
      entityType: 'sync_job',
      entityId: row.id,
      after: toSyncJobSummary(row),
    });
    return row;
  });
  queue.wake();
  return toSyncJobSummary(job);
}

export async function getSyncJobs(
  db: AppDb,
  principal: Principal,
  page: { limit: number; cursor?: string },
): Promise<Page<SyncJobSummary>> {
  const rows = await withTenant(db, scopeOf(principal), (tx) => listSyncJobs(tx, page));
  return toPage(
    rows.map(({ row, cursorKey }) => ({ ...row, cursorKey })),
    page.limit,
    toSyncJobSummary,
  );
}

export function getSyncJob(db: AppDb, principal: Principal, id: string): Promise<SyncJob> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const job = await findSyncJob(tx, id);
    if (!job) throw notFound('sync job');
    const sites = await listJobSites(tx, id);
    const count = (status: DeliveryStatus) =>
      sites.filter(({ delivery }) => delivery.status === status).length;
    return {
      ...toSyncJobSummary(job),
      counts: {
        delivered: count('success'),
        up_to_date: count('up_to_date'),
        failed: count('failed'),
        superseded: count('superseded'),
      },
      sites: sites.map(({ delivery, siteSlug, siteName }) => ({
        delivery_id: delivery.id,
        site_id: delivery.siteId,
        site_slug: siteSlug,
        site_name: siteName,
        status: delivery.status,
        attempts: delivery.attempts,
        version: delivery.version,
        item_count: delivery.itemCount,
        response_code: delivery.responseCode,
        latency_ms: delivery.latencyMs,
        error: delivery.error,
        next_attempt_at: delivery.nextAttemptAt,
        completed_at: delivery.completedAt,
      })),
    };
  });
}

export function getSyncJobLogs(
  db: AppDb,
  principal: Principal,
  id: string,
  afterId: number,
): Promise<JobLog[]> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    if (!(await findSyncJob(tx, id))) throw notFound('sync job');
    return (await listJobLogs(tx, id, afterId, 5000)).map(toJobLog);
  });
}

/** A new job for the sites whose delivery failed in job `id`; refused while `id` is still running. */
export async function retrySyncJob(
  db: AppDb,
  queue: SyncQueue,
  principal: Principal,
  id: string,
): Promise<SyncJobSummary> {
  const failedSites = await withTenant(db, scopeOf(principal), async (tx) => {
    const job = await findSyncJob(tx, id);
    if (!job) throw notFound('sync job');
    if (job.status === 'queued' || job.status === 'running') throw conflict('The job is still running.');
    const sites = await listJobSites(tx, id);
    return sites
      .filter(({ delivery }) => delivery.status === 'failed')
      .map(({ delivery }) => delivery.siteId);
  });
  if (failedSites.length === 0) throw conflict('No site failed in this job: there is nothing to retry.');
  return createSyncJob(db, queue, principal, { site_ids: failedSites, force: true });
}

export function getSnapshot(db: AppDb, principal: Principal, siteId: string): Promise<Snapshot> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const row = await findSnapshotBySite(tx, siteId);
    if (!row) throw notFound('snapshot for this site (nothing accepted yet)');
    return {
      site_id: row.siteId,
      job_id: row.jobId,
      version: row.version,
      payload_hash: row.payloadHash,
      item_count: row.itemCount,
      received_at: row.receivedAt,
      payload: row.payload,
    };
  });
}

/** What a delivery sent (or, not sent yet, will send); 404 for one that carries no payload (up to date, refused). */
export function getDeliveryPayload(
  db: AppDb,
  principal: Principal,
  deliveryId: string,
): Promise<DeliveryPayload> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const found = await findDeliveryPayload(tx, deliveryId);
    if (!found) throw notFound('delivery');
    const { delivery, body } = found;
    if (
      body === null ||
      delivery.version === null ||
      delivery.itemCount === null ||
      delivery.payloadHash === null
    )
      throw new HttpProblem(404, 'not-found', `This delivery is ${delivery.status}: it carries no payload.`);
    return {
      delivery_id: delivery.id,
      site_id: delivery.siteId,
      job_id: delivery.jobId,
      status: delivery.status,
      version: delivery.version,
      item_count: delivery.itemCount,
      payload_hash: delivery.payloadHash,
      payload: JSON.parse(body) as unknown,
    };
  });
}
