import { withTenant } from '../db/tenant.js';
import type { Tx } from '../db/types.js';
import { QUEUES, transactionExecutor } from '../queue/job-queue.js';
import { finalizeJobIfDone } from './job-finalizer.js';
import { createPayloadEncoder, type EncodedPayload } from './payload-encoder.js';
import { planSiteItems } from './plan.js';
import { loadPlanInputsForSites, type SitePlanInputs } from './plan.repo.js';
import { recordSitesSync } from './site-sync.repo.js';
import {
  insertDeliveries,
  insertPayloads,
  snapshotHashesOfSites,
  supersedePendingDeliveries,
  takeNextVersions,
  type NewDelivery,
} from './planner.repo.js';
import {
  DELIVER_JOB_OPTIONS,
  DELIVERIES_PER_QUEUE_JOB,
  observeFinishedJob,
  type DeliverJobData,
  type PlanJobData,
  type SyncContext,
} from './sync-context.js';
import {
  findSyncJob,
  insertLogs,
  sitesOfJob,
  updateSyncJob,
  type NewLog,
  type SyncJobRow,
} from './sync-jobs.repo.js';
import { newWebhookId, webhookBodyBytes, webhookEnvelope } from './webhook-body.js';
import { announceWork } from './work-signal.js';

type SiteRow = Awaited<ReturnType<typeof sitesOfJob>>[number];

/** What the plan does for one site. */
type SiteDecision =
  | { kind: 'skip'; site: SiteRow; reason: string }
  | { kind: 'refuse'; site: SiteRow; reason: string }
  | { kind: 'up_to_date'; site: SiteRow; version: number; hash: string; itemCount: number }
  | { kind: 'send'; site: SiteRow; payload: EncodedPayload; itemCount: number };

/**
 * Plans a queued job in one transaction: per site, the payload (plan.ts), skipped when unchanged since the last
 * accepted version unless forced, otherwise the site's next version, a pending delivery and its queue entry.
 * Every step covers all of the job's sites in one statement, so the plan's cost barely grows with the site count.
 * A crash before commit leaves the job queued for pg-boss to hand out again; after commit, nothing is planned twice.
 */
export async function planSyncJob(ctx: SyncContext, data: PlanJobData): Promise<void> {
  const queued = await withTenant(ctx.db, { orgId: data.orgId }, async (tx) => {
    const job = await findSyncJob(tx, data.jobId, { lock: true });
    if (!job || job.status !== 'queued') return 0;
    const startedAt = new Date();
    await updateSyncJob(tx, job.id, { status: 'running', startedAt: startedAt.toISOString() });
    const sites = await sitesOfJob(tx, job.siteIds);
    const siteIds = sites.map((site) => site.id);
    const decisions = decide(
      job,
      sites,
      await loadPlanInputsForSites(tx, siteIds),
      await snapshotHashesOfSites(tx, siteIds),
    );

    const { deliverJobs, touchedJobs } = await writePlan(tx, job, decisions, startedAt);

    if (deliverJobs.length > 0) {
      await ctx.boss.insert(
        deliverJobs.map((deliverData) => ({
          name: QUEUES.deliver,
          data: deliverData,
          ...DELIVER_JOB_OPTIONS,
        })),
        { db: transactionExecutor(tx) },
      );
      // Other worker processes share the deliveries.
      await announceWork(tx, 'deliveries');
    } else {
      observeFinishedJob(ctx, await finalizeJobIfDone(tx, job.id));
    }
    // Jobs whose last pending delivery was just superseded may be complete now.

    for (const otherJob of touchedJobs) observeFinishedJob(ctx, await finalizeJobIfDone(tx, otherJob));
    return deliverJobs.length;
  });
  if (queued > 0) ctx.wake('deliveries');
}

function decide(
  job: SyncJobRow,
  sites: SiteRow[],
  inputs: Map<string, SitePlanInputs>,
  snapshots: Map<string, { version: number; payloadHash: string }>,
): SiteDecision[] {
  const encode = createPayloadEncoder();
  return sites.map((site): SiteDecision => {
    if (!site.enabled) {
      const reason = `Site ${site.slug} is disabled${site.disabledReason ? `: ${site.disabledReason}` : ''}.`;
      // Skipped when the job was not aimed at it by name (all sites, or a publish that concerns it too).
      return !job.siteIds || job.trigger === 'publish'
        ? { kind: 'skip', site, reason }
        : { kind: 'refuse', site, reason };
    }
    const { items, mappings } = inputs.get(site.id)!;
    const planned = planSiteItems(items, mappings);
    const payload = encode(planned);
    const snapshot = snapshots.get(site.id);
    if (!job.force && snapshot?.payloadHash === payload.hash) {
      return {
        kind: 'up_to_date',
        site,
        version: snapshot.version,
        hash: payload.hash,
        itemCount: planned.length,
      };
    }
    return { kind: 'send', site, payload, itemCount: planned.length };
  });
}

async function writePlan(
  tx: Tx,
  job: SyncJobRow,
  decisions: SiteDecision[],
  startedAt: Date,
): Promise<{ deliverJobs: DeliverJobData[]; touchedJobs: Set<string> }> {
  const logs: NewLog[] = [];
  const log = (entry: Omit<NewLog, 'organizationId' | 'jobId'>, jobId = job.id) =>
    logs.push({ organizationId: job.organizationId, jobId, ...entry });
  log({
    level: 'info',
    jobStatus: 'running',
    message: `Sync started (${job.trigger}) for ${decisions.length} site(s).`,
  });
  if (decisions.length === 0) log({ level: 'warn', message: 'No sites to sync.' });

  const sends = decisions.filter((decision) => decision.kind === 'send');
  const sendSiteIds = sends.map((decision) => decision.site.id);
  const slugs = new Map(decisions.map((decision) => [decision.site.id, decision.site.slug]));
  const touchedJobs = new Set<string>();
  for (const superseded of await supersedePendingDeliveries(tx, sendSiteIds)) {
    touchedJobs.add(superseded.jobId);
    // Told in the superseded delivery's own job: that is where its site's story ends.
    log(
      {
        level: 'info',
        siteId: superseded.siteId,
        siteStatus: 'superseded',
        message: `${slugs.get(superseded.siteId)}: version ${superseded.version} superseded by job ${job.id}.`,
      },
      superseded.jobId,
    );
  }
  touchedJobs.delete(job.id);

  const versions = await takeNextVersions(tx, sendSiteIds);

  const now = new Date().toISOString();
  const rows: NewDelivery[] = [];
  for (const decision of decisions) {
    const { site } = decision;
    const base = {
      organizationId: job.organizationId,
      jobId: job.id,
      siteId: site.id,
      webhookId: newWebhookId(),
    };
    switch (decision.kind) {
      case 'skip':
        log({ level: 'info', siteId: site.id, message: `${decision.reason} Skipped.` });
        break;
      case 'refuse':
        rows.push({ ...base, status: 'failed', completedAt: now });
        log({ level: 'error', siteId: site.id, siteStatus: 'failed', message: decision.reason });
        break;
      case 'up_to_date':
        rows.push({
          ...base,
          status: 'up_to_date',
          version: decision.version,
          payloadHash: decision.hash,
          itemCount: decision.itemCount,
          completedAt: now,
        });
        log({
          level: 'info',
          siteId: site.id,
          siteStatus: 'up_to_date',
          message: `${site.slug}: up to date (version ${decision.version}).`,
        });
        break;
      case 'send': {
        const version = versions.get(site.id)!;
        const envelope = webhookEnvelope({
          site: { id: site.id, slug: site.slug, name: site.name },
          version,
          jobId: job.id,
          timestamp: startedAt,
        });
        const bytes = webhookBodyBytes(envelope, decision.payload.itemsBytes);
        rows.push({
          ...base,
          status: 'pending',
          version,
          payloadHash: decision.payload.hash,
          itemCount: decision.itemCount,
          envelope,
        });
        log({
          level: 'info',
          siteId: site.id,
          siteStatus: 'pending',
          message: `${site.slug}: version ${version} queued (${decision.itemCount} item(s), ${bytes} bytes).`,
          metadata: { version, item_count: decision.itemCount, bytes, payload_hash: decision.payload.hash },
        });
        break;
      }
    }
  }

  await insertPayloads(tx, job.organizationId, [...new Set(sends.map((decision) => decision.payload))]);
  const inserted = await insertDeliveries(tx, rows);

  await recordSitesSync(
    tx,
    decisions.filter((decision) => decision.kind === 'up_to_date').map((decision) => decision.site.id),
    { status: 'up_to_date' },
  );
  await insertLogs(tx, logs);

  const sending = new Set(sendSiteIds);
  const toSend = inserted.filter((delivery) => sending.has(delivery.siteId)).map((delivery) => delivery.id);
  const deliverJobs: DeliverJobData[] = [];
  for (let start = 0; start < toSend.length; start += DELIVERIES_PER_QUEUE_JOB) {
    deliverJobs.push({
      deliveryIds: toSend.slice(start, start + DELIVERIES_PER_QUEUE_JOB),
      orgId: job.organizationId,
      retry: 0,
    });
  }
  return { deliverJobs, touchedJobs };
}
