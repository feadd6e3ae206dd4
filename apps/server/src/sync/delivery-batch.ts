import type PgBoss from 'pg-boss';
import { retryWhileDisconnected } from '../db/errors.js';
import { withTenant } from '../db/tenant.js';
import type { Tx } from '../db/types.js';
import { groupBy } from '../lib/group-by.js';
import { QUEUES } from '../queue/job-queue.js';
import { activeSigningSecrets } from '../sites/site-secrets.js';
import { describeOutcome, type ClaimedDelivery } from './claimed-delivery.js';
import { claimDeliveries, sitesByIds } from './delivery-batch.repo.js';
import type { OutcomeRecorder } from './outcome-recorder.js';
import type { PayloadCache } from './payload-cache.js';
import { webhookHeaders } from './sign.js';
import type { DeliverJobData, SyncContext } from './sync-context.js';
import { insertLogs, type DeliveryRow } from './sync-jobs.repo.js';
import { webhookBody } from './webhook-body.js';

/** What a worker keeps from one batch to the next. */
export interface DeliveryBatchTools {
  recorder: OutcomeRecorder;
  payloads: PayloadCache;
}

/** One queue job of a batch, as the worker follows it. */
export interface DeliveryJobProgress {
  /** Settles when this job's HTTP exchange is over (or there is none to make): its concurrency slot is free. */
  sent: Promise<void>;
  /** Settles when the job is out of the worker's hands: completed in the queue, or failed there. */
  done: Promise<void>;
}

/**
 * Runs a batch of delivery jobs fetched from the queue: claims them in one transaction per organization, POSTs
 * each body with fresh signatures outside any transaction, and hands each outcome to the recorder (which writes
 * them in batches). A job that could not be claimed or recorded is failed in the queue (pg-boss hands it out again).
 * The HTTP slot is given back as soon as the exchange ends: recording does not hold up the next sends.
 */
export function runDeliveryBatch(
  ctx: SyncContext,
  tools: DeliveryBatchTools,
  jobs: PgBoss.Job<DeliverJobData>[],
): DeliveryJobProgress[] {
  const progress = new Map(jobs.map((job) => [job.id, { sent: settleable(), done: settleable() }]));
  const events: ProgressEvents = {
    sent: (jobId) => progress.get(jobId)!.sent.settle(),
    done: (jobId) => {
      const entry = progress.get(jobId)!;
      entry.sent.settle();
      entry.done.settle();
    },
  };
  for (const [orgId, orgJobs] of groupBy(jobs, (job) => job.data.orgId)) {
    void runForOrganization(ctx, tools, orgId, orgJobs, events);
  }
  return [...progress.values()].map((entry) => ({ sent: entry.sent.promise, done: entry.done.promise }));
}

interface ProgressEvents {
  sent(jobId: string): void;
  done(jobId: string): void;
}

async function runForOrganization(
  ctx: SyncContext,
  { recorder, payloads }: DeliveryBatchTools,
  orgId: string,
  jobs: PgBoss.Job<DeliverJobData>[],
  events: ProgressEvents,
): Promise<void> {
  let claimed: ClaimedDelivery[];
  try {
    claimed = await withTenant(ctx.db, { orgId }, (tx) => claim(tx, ctx, payloads, orgId, jobs));
    const claimedJobs = new Set(claimed.map((entry) => entry.queueJobId));
    // Superseded, finished, or a duplicate queue entry: nothing to send, the queue job is done.
    const idle = jobs.filter((job) => !claimedJobs.has(job.id)).map((job) => job.id);
    if (idle.length > 0) await ctx.boss.complete(QUEUES.deliver, idle);
    for (const jobId of idle) events.done(jobId);
  } catch (error) {
    await failJobs(ctx, jobs, error);
    for (const job of jobs) events.done(job.id);
    return;
  }
  for (const entry of claimed) {
    void send(ctx, entry)
      .then((outcome) => {
        events.sent(entry.queueJobId);
        return recorder.record(entry, outcome);
      })
      .then(
        () => events.done(entry.queueJobId),
        async (error: unknown) => {
          await failJobs(ctx, [{ id: entry.queueJobId }], error);
          events.done(entry.queueJobId);
        },
      );
  }
}

async function claim(
  tx: Tx,
  ctx: SyncContext,
  payloads: PayloadCache,
  orgId: string,
  jobs: PgBoss.Job<DeliverJobData>[],
): Promise<ClaimedDelivery[]> {
  // One queue job per delivery; should two ask for the same delivery, the first one sends it.
  const jobByDelivery = new Map<string, PgBoss.Job<DeliverJobData>>();
  for (const job of jobs)
    if (!jobByDelivery.has(job.data.deliveryId)) jobByDelivery.set(job.data.deliveryId, job);
  const rows = await claimDeliveries(tx, [...jobByDelivery.keys()]);
  const sites = new Map(
    (await sitesByIds(tx, [...new Set(rows.map((row) => row.siteId))])).map((site) => [site.id, site]),
  );
  const items = await payloads.itemsOf(
    tx,
    orgId,
    rows.filter((row) => row.envelope !== null).map((row) => row.payloadHash!),
  );
  return rows.map((delivery) => {
    const site = sites.get(delivery.siteId)!;
    const job = jobByDelivery.get(delivery.id)!;
    return {
      queueJobId: job.id,
      data: job.data,
      delivery,
      body: bodyOf(delivery, items),
      siteSlug: site.slug,
      siteCreatedAt: site.createdAt,
      url: site.destinationUrl,
      secrets: activeSigningSecrets(site, ctx.encryptionKey),
    };
  });
}

function bodyOf(delivery: DeliveryRow, items: Map<string, string>): string {
  if (delivery.envelope === null) return delivery.body!;
  const itemsJson = items.get(delivery.payloadHash!);
  // The plan stores the payload in the transaction that creates the delivery: missing means a broken database.
  if (itemsJson === undefined)
    throw new Error(`Payload ${delivery.payloadHash} of delivery ${delivery.id} is missing`);
  return webhookBody(delivery.envelope, itemsJson);
}

async function send(ctx: SyncContext, claimed: ClaimedDelivery) {
  const { delivery, body } = claimed;
  const outcome = await ctx.delivery.deliver(
    {
      url: claimed.url,
      // A fresh timestamp (and so signature) per attempt; the id stays, so a receiver applies the version once.
      headers: () =>
        webhookHeaders({
          id: delivery.webhookId,
          timestamp: Math.floor(Date.now() / 1000),
          body,
          secrets: claimed.secrets,
        }),
      body,
    },
    {
      onQuickRetry: (nextAttempt, failed, delayMs) => {
        void withTenant(ctx.db, { orgId: claimed.data.orgId }, (tx) =>
          insertLogs(tx, [
            {
              organizationId: delivery.organizationId,
              jobId: delivery.jobId,
              siteId: delivery.siteId,
              level: 'warn',
              message: `${claimed.siteSlug}: attempt ${nextAttempt - 1} failed (${describeOutcome(failed)}); retrying in ${delayMs} ms.`,
              metadata: {
                attempt: nextAttempt - 1,
                status: failed.status,
                error: failed.error,
                delay_ms: delayMs,
              },
            },
          ]),
        ).catch((error: unknown) => ctx.log.warn({ err: error }, 'could not write a retry log line'));
      },
    },
  );
  ctx.metrics.deliveryLatency.observe(outcome.latencyMs / 1000);
  ctx.metrics.deliveries.inc({ outcome: outcome.kind });
  return outcome;
}

async function failJobs(ctx: SyncContext, jobs: { id: string }[], error: unknown): Promise<void> {
  ctx.log.error({ err: error, jobs: jobs.length }, 'delivery jobs could not be run; pg-boss will retry them');
  // Given back to the queue as soon as the database answers again (else only pg-boss's expiry would, minutes later).
  await retryWhileDisconnected(() =>
    ctx.boss.fail(
      QUEUES.deliver,
      jobs.map((job) => job.id),
    ),
  ).catch(() => {});
}

/** The worker only needs to know when a job is out of its hands; errors are logged where they happen. */
function settleable(): { promise: Promise<void>; settle(): void } {
  let settle!: () => void;
  const promise = new Promise<void>((resolve) => (settle = resolve));
  return { promise, settle };
}
