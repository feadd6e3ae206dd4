import { withTenant } from '../../db/tenant.js';
import type { Tx } from '../../db/types.js';
import type { SyncContext } from '../engine/sync-context.js';
import { createJobFinisher, type JobFinisher } from '../finish/job-finisher.js';
import { writeJobLogs } from '../jobs/job-log-writer.js';
import type { NewLog } from '../jobs/job-logs.repo.js';
import { findSyncJob, type SyncJobRow } from '../jobs/sync-jobs.repo.js';
import { DELIVERIES_PER_QUEUE_JOB, type DeliverJobData, type PlanJobData } from '../queue/queue-jobs.js';
import { enqueueDeliveries } from '../queue/sync-queue.js';
import { recordSitesSync } from '../record/site-sync.repo.js';
import { createPayloadEncoder, type EncodedPayload } from './payload-encoder.js';
import { planSiteItems } from './plan.js';
import { loadPlanInputsForSites, type SitePlanInputs } from './plan.repo.js';
import {
  advancePlan,
  countSitesOfJob,
  insertDeliveries,
  insertPayloads,
  nextSitesToPlan,
  snapshotHashesOfSites,
  supersedePendingDeliveries,
  takeNextVersions,
  type NewDelivery,
} from './planner.repo.js';
import { newWebhookId, webhookBodyBytes, webhookEnvelope } from './webhook-body.js';

type SiteRow = Awaited<ReturnType<typeof nextSitesToPlan>>[number];

/** What the plan does for one site. */
type SiteDecision =
  | { kind: 'skip'; site: SiteRow; reason: string }
  | { kind: 'refuse'; site: SiteRow; reason: string }
  | { kind: 'up_to_date'; site: SiteRow; version: number; hash: string; itemCount: number }
  | { kind: 'send'; site: SiteRow; payload: EncodedPayload; itemCount: number };

/**
 * The most sites planned per transaction. A plan of all sites at once kept the first send waiting for the whole plan
 * (10,000 sites: 1.1 s on PostgreSQL, the event loop of an embedded PGlite blocked 3.4 s); in chunks, the first
 * deliveries leave after one chunk and the rest of the plan overlaps with sending. Each chunk is still a handful of
 * statements covering all its sites. Measured on PostgreSQL (10,000 sites, medians of 3): chunks of 250 → 3,109
 * deliveries/s, 500 → 3,357, 1,000 → 3,710, 2,000 → 3,996, 3,000 → 3,835, 5,000 → 3,967: smaller chunks start
 * sending sooner but each costs a dozen round trips that wait behind the sends; past 2,000 nothing is gained.
 */
export const PLAN_CHUNK_SITES = 2_000;

/**
 * A plan's first chunk; each next one is twice the last, up to the largest (PLAN_CHUNK_SITES). The first sends then
 * leave once 100 sites are planned (first delivery of a 1,000- or 10,000-site sync on PostgreSQL after 73–88 ms
 * instead of 228–419 ms), and the plan's log lines reach the live streams in growing steps rather than one block per
 * 2,000 sites: with 50 streams following a 1,000-site sync, that block (about 26 MB of events in all) made the live
 * figure's p99, 95–106 ms, and 45–52 ms in steps. Larger chunks later keep the round trips per site low: throughput
 * unchanged within the noise (PostgreSQL, 10,000 sites, 3 series of 5 runs each: 3,116/3,398/3,391 against
 * 3,269/3,218/3,350 deliveries/s).
 */
export const FIRST_PLAN_CHUNK_SITES = 100;

export interface PlanChunking {
  /** Sites in the first chunk (default FIRST_PLAN_CHUNK_SITES, at most `maxSites`). */
  firstSites?: number;
  /** Sites in the largest chunk (default PLAN_CHUNK_SITES). */
  maxSites?: number;
}

/**
 * Plans a queued job, a chunk of sites per transaction (in site id order, growing chunks): per site, the payload
 * (plan.ts), skipped when unchanged since the last accepted version unless forced, otherwise the site's next version,
 * a pending delivery and its queue entry. The job row keeps how far the plan got, so a plan that stopped half-way (a
 * crash before a chunk's commit) carries on from its last committed chunk when pg-boss hands it out again; nothing
 * is planned twice. The job cannot end before its last chunk is committed.
 */
export async function planSyncJob(
  ctx: SyncContext,
  data: PlanJobData,
  chunking: PlanChunking = {},
): Promise<void> {
  const maxSites = chunking.maxSites ?? PLAN_CHUNK_SITES;
  let chunkSites = Math.min(maxSites, chunking.firstSites ?? FIRST_PLAN_CHUNK_SITES);
  const finisher = createJobFinisher(ctx);
  for (;;) {
    const chunk = await withTenant(ctx.db, { orgId: data.orgId }, (tx) =>
      planNextChunk(tx, ctx, finisher, data.jobId, chunkSites),
    );
    if (chunk.queued > 0) ctx.wake('deliveries');
    if (chunk.done) return;
    chunkSites = Math.min(maxSites, chunkSites * 2);
  }
}

/** Thrown to roll a chunk back when another run of the same plan committed it first. */
class PlanMovedOn extends Error {}

async function planNextChunk(
  tx: Tx,
  ctx: SyncContext,
  finisher: JobFinisher,
  jobId: string,
  chunkSites: number,
): Promise<{ queued: number; done: boolean }> {
  const job = await findSyncJob(tx, jobId);
  if (!job || job.plannedAt !== null || (job.status !== 'queued' && job.status !== 'running'))
    return { queued: 0, done: true };
  const starting = job.status === 'queued';
  // One timestamp for every envelope of the job, whichever chunk planned it.
  const startedAt = starting || !job.startedAt ? new Date() : new Date(job.startedAt);
  const sites = await nextSitesToPlan(tx, job.siteIds, job.planCursor, chunkSites);
  const last = sites.length < chunkSites;
  const siteIds = sites.map((site) => site.id);
  const decisions = decide(
    job,
    sites,
    await loadPlanInputsForSites(tx, siteIds),
    await snapshotHashesOfSites(tx, siteIds),
  );
  const siteCount = starting ? await countSitesOfJob(tx, job.siteIds) : null;

  const { logs, deliverJobs, touchedJobs } = await writePlan(tx, job, decisions, startedAt, siteCount);
  // Other worker processes share the deliveries.
  await enqueueDeliveries(tx, ctx.boss, deliverJobs);
  // Last, so the job rows are locked only for the end of the chunk: the outcome recorder's batches of this job's
  // earlier chunks wait for that lock to write their lines. Writing lines locks the rows they go to (in id order,
  // as every writer of log lines does), this job's among them.
  await writeJobLogs(tx, ctx.liveLines, logs);
  const moved = await advancePlan(tx, job, {
    cursor: sites.at(-1)?.id ?? job.planCursor,
    planned: last,
    startedAt,
  });
  if (!moved) throw new PlanMovedOn(`the plan of job ${job.id} was carried on by another run`);
  // With its last chunk planned, the job may already be complete: nothing to send, or all of it sent meanwhile.
  // Jobs whose last pending delivery was just superseded may be complete now.
  await finisher.endJobsIfDone(tx, last ? [job.id, ...touchedJobs] : touchedJobs);
  return { queued: deliverJobs.length, done: last };
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
  /** The job's whole site count, given with its first chunk. */
  siteCount: number | null,
): Promise<{ logs: NewLog[]; deliverJobs: DeliverJobData[]; touchedJobs: Set<string> }> {
  const logs: NewLog[] = [];
  const log = (entry: Omit<NewLog, 'organizationId' | 'jobId'>, jobId = job.id) =>
    logs.push({ organizationId: job.organizationId, jobId, ...entry });
  if (siteCount !== null) {
    log({
      level: 'info',
      jobStatus: 'running',
      message: `Sync started (${job.trigger}) for ${siteCount} site(s).`,
    });
    if (siteCount === 0) log({ level: 'warn', message: 'No sites to sync.' });
  }

  const sends = decisions.filter((decision) => decision.kind === 'send');
  const sendSiteIds = sends.map((decision) => decision.site.id);
  const slugs = new Map(decisions.map((decision) => [decision.site.id, decision.site.slug]));
  const touchedJobs = new Set<string>();
  for (const superseded of await supersedePendingDeliveries(tx, sendSiteIds)) {
    // A site's own send (a durable retry) belongs to no job: the new version simply takes its place.
    if (superseded.jobId === null) continue;
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
  return { logs, deliverJobs, touchedJobs };
}
