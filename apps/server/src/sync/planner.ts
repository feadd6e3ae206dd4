import { withTenant } from '../db/tenant.js';
import type { Tx } from '../db/types.js';
import { QUEUES, transactionExecutor } from '../queue/job-queue.js';
import { finalizeJobIfDone } from './job-finalizer.js';
import { hashItems, planSiteItems } from './plan.js';
import { loadSitePlanInputs } from './plan.repo.js';
import {
  DELIVER_JOB_OPTIONS,
  observeFinishedJob,
  type DeliverJobData,
  type PlanJobData,
  type SyncContext,
} from './sync-context.js';
import {
  findSnapshotBySite,
  findSyncJob,
  insertDelivery,
  insertLogs,
  recordSiteSync,
  sitesOfJob,
  supersedePendingDeliveries,
  takeNextSiteVersion,
  updateSyncJob,
  type NewLog,
} from './sync-jobs.repo.js';
import { newWebhookId, webhookBody } from './webhook-body.js';

type SiteRow = Awaited<ReturnType<typeof sitesOfJob>>[number];

/**
 * Plans a queued job in one transaction: per site, the payload (plan.ts), skipped when unchanged since the last
 * accepted version unless forced, otherwise the site's next version, a pending delivery and its queue entry.
 * A crash before commit leaves the job queued for pg-boss to hand out again; after commit, nothing is planned twice.
 */
export async function planSyncJob(ctx: SyncContext, data: PlanJobData): Promise<void> {
  const queued = await withTenant(ctx.db, { orgId: data.orgId }, async (tx) => {
    const job = await findSyncJob(tx, data.jobId, { lock: true });
    if (!job || job.status !== 'queued') return 0;
    const startedAt = new Date();
    await updateSyncJob(tx, job.id, { status: 'running', startedAt: startedAt.toISOString() });
    const sites = await sitesOfJob(tx, job.siteIds);
    const logs: NewLog[] = [];
    const log = (entry: Omit<NewLog, 'organizationId' | 'jobId'>) =>
      logs.push({ organizationId: data.orgId, jobId: job.id, ...entry });
    log({
      level: 'info',
      jobStatus: 'running',
      message: `Sync started (${job.trigger}) for ${sites.length} site(s).`,
    });

    const deliverJobs: DeliverJobData[] = [];
    const touchedJobs = new Set<string>();
    for (const site of sites) {
      const deliveryId = await planSite(tx, { site, job, startedAt, log, touchedJobs });
      if (deliveryId) deliverJobs.push({ deliveryId, orgId: data.orgId, retry: 0 });
    }
    if (sites.length === 0) log({ level: 'warn', message: 'No sites to sync.' });
    await insertLogs(tx, logs);

    if (deliverJobs.length > 0) {
      await ctx.boss.insert(
        deliverJobs.map((deliverData) => ({
          name: QUEUES.deliver,
          data: deliverData,
          ...DELIVER_JOB_OPTIONS,
        })),
        { db: transactionExecutor(tx) },
      );
    } else {
      observeFinishedJob(ctx, await finalizeJobIfDone(tx, job.id));
    }
    // Jobs whose last pending delivery was just superseded may be complete now.
    for (const otherJob of touchedJobs) observeFinishedJob(ctx, await finalizeJobIfDone(tx, otherJob));
    return deliverJobs.length;
  });
  if (queued > 0) ctx.wake();
}

async function planSite(
  tx: Tx,
  context: {
    site: SiteRow;
    job: { id: string; organizationId: string; force: boolean; siteIds: string[] | null; trigger: string };
    startedAt: Date;
    log: (entry: Omit<NewLog, 'organizationId' | 'jobId'>) => void;
    touchedJobs: Set<string>;
  },
): Promise<string | null> {
  const { site, job, log } = context;
  const base = {
    organizationId: job.organizationId,
    jobId: job.id,
    siteId: site.id,
    webhookId: newWebhookId(),
  };
  if (!site.enabled) {
    const reason = `Site ${site.slug} is disabled${site.disabledReason ? `: ${site.disabledReason}` : ''}.`;
    // Skipped when the job was not aimed at it by name (all sites, or a publish that concerns it too).
    if (!job.siteIds || job.trigger === 'publish') {
      log({ level: 'info', siteId: site.id, message: `${reason} Skipped.` });
      return null;
    }
    await insertDelivery(tx, { ...base, status: 'failed', completedAt: new Date().toISOString() });
    log({ level: 'error', siteId: site.id, siteStatus: 'failed', message: reason });
    return null;
  }

  const { items, mappings } = await loadSitePlanInputs(tx, site.id);
  const planned = planSiteItems(items, mappings);
  const payloadHash = hashItems(planned);
  const snapshot = await findSnapshotBySite(tx, site.id);
  if (!job.force && snapshot?.payloadHash === payloadHash) {
    await insertDelivery(tx, {
      ...base,
      status: 'up_to_date',
      version: snapshot.version,
      payloadHash,
      itemCount: planned.length,
      completedAt: new Date().toISOString(),
    });
    await recordSiteSync(tx, site.id, { status: 'up_to_date' });
    log({
      level: 'info',
      siteId: site.id,
      siteStatus: 'up_to_date',
      message: `${site.slug}: up to date (version ${snapshot.version}).`,
    });
    return null;
  }

  for (const superseded of await supersedePendingDeliveries(tx, site.id)) {
    context.touchedJobs.add(superseded.jobId);
    log({
      level: 'info',
      siteId: site.id,
      siteStatus: 'superseded',
      message: `${site.slug}: version ${superseded.version} superseded by this sync.`,
    });
  }
  const version = await takeNextSiteVersion(tx, site.id);
  const body = webhookBody({
    site: { id: site.id, slug: site.slug, name: site.name },
    version,
    jobId: job.id,
    items: planned,
    timestamp: context.startedAt,
  });
  const delivery = await insertDelivery(tx, {
    ...base,
    status: 'pending',
    version,
    payloadHash,
    itemCount: planned.length,
    body,
  });
  log({
    level: 'info',
    siteId: site.id,
    siteStatus: 'pending',
    message: `${site.slug}: version ${version} queued (${planned.length} item(s), ${Buffer.byteLength(body)} bytes).`,
    metadata: {
      version,
      item_count: planned.length,
      bytes: Buffer.byteLength(body),
      payload_hash: payloadHash,
    },
  });
  return delivery.id;
}
