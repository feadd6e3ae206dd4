import type PgBoss from 'pg-boss';
import { withTenant } from '../../db/tenant.js';
import type { Tx } from '../../db/types.js';
import { groupBy } from '../../lib/group-by.js';
import { activeSigningSecrets, type SecretOpener } from '../../sites/index.js';
import type { SyncContext } from '../engine/sync-context.js';
import { writeJobLogs } from '../jobs/job-log-writer.js';
import { webhookBodyBytesOf } from '../plan/webhook-body.js';
import { deliveryIdsOf, type DeliverJobData } from '../queue/queue-jobs.js';
import { failDeliverJobs } from '../queue/sync-queue.js';
import type { OutcomeRecorder } from '../record/outcome-recorder.js';
import { describeOutcome, type ClaimedDelivery } from './claimed-delivery.js';
import { claimDeliveries, sitesByIds, type ClaimedRow } from './delivery-batch.repo.js';
import type { PayloadCache } from './payload-cache.js';
import { webhookHeaders } from './sign.js';

/** What a worker keeps from one batch to the next. */
export interface DeliveryBatchTools {
  recorder: OutcomeRecorder;
  payloads: PayloadCache;
  /** The sites' signing secrets, decrypted once per worker (createSecretOpener). */
  openSecret: SecretOpener;
}

/** One delivery a fetched queue job asked for, as the worker follows it. */
export interface DeliveryJobProgress {
  /** The queue job that asked for it. */
  queueJobId: string;
  /**
   * Settles when its HTTP exchange is over (or there is none to make): its concurrency slot is free; with 'parked'
   * when it was over only for now: the delivery sleeps before a quick retry or waits in its origin's slow lane.
   */
  sent: Promise<'sent' | 'parked'>;
  /** Settles when it is out of the worker's hands: its queue job completed, or failed, in the queue. */
  done: Promise<void>;
}

/** A delivery of a queue job: the same delivery asked for by two queue jobs is two units (one sends it). */
const unitKey = (queueJobId: string, deliveryId: string) => `${queueJobId}/${deliveryId}`;

/**
 * Runs a batch of delivery jobs fetched from the queue (each carries one delivery or a plan's chunk of them):
 * claims their deliveries in one transaction per organization, POSTs each body with fresh signatures outside any
 * transaction, and hands each outcome to the record step (which writes them in batches and then finishes the queue
 * job). A queue job that could not be claimed is failed in the queue (pg-boss hands it out again, and the claim
 * then takes only what is still unfinished). The HTTP slot is given back as soon as the exchange ends: recording
 * does not hold up the next sends.
 */
export function runDeliveryBatch(
  ctx: SyncContext,
  tools: DeliveryBatchTools,
  jobs: PgBoss.Job<DeliverJobData>[],
): DeliveryJobProgress[] {
  const progress = new Map(
    jobs.flatMap((job) =>
      deliveryIdsOf(job.data).map(
        (id) =>
          [
            unitKey(job.id, id),
            { queueJobId: job.id, sent: settleable<'sent' | 'parked'>(), done: settleable<void>() },
          ] as const,
      ),
    ),
  );
  const events: ProgressEvents = {
    sent: (key) => progress.get(key)!.sent.settle('sent'),
    parked: (key) => progress.get(key)!.sent.settle('parked'),
    done: (key) => {
      const entry = progress.get(key)!;
      entry.sent.settle('sent');
      entry.done.settle();
    },
  };
  for (const [orgId, orgJobs] of groupBy(jobs, (job) => job.data.orgId)) {
    void runForOrganization(ctx, tools, orgId, orgJobs, events);
  }
  return [...progress.values()].map((entry) => ({
    queueJobId: entry.queueJobId,
    sent: entry.sent.promise,
    done: entry.done.promise,
  }));
}

interface ProgressEvents {
  sent(unit: string): void;
  parked(unit: string): void;
  done(unit: string): void;
}

async function runForOrganization(
  ctx: SyncContext,
  { recorder, payloads, openSecret }: DeliveryBatchTools,
  orgId: string,
  jobs: PgBoss.Job<DeliverJobData>[],
  events: ProgressEvents,
): Promise<void> {
  const unitsOf = (job: PgBoss.Job<DeliverJobData>) =>
    deliveryIdsOf(job.data).map((id) => unitKey(job.id, id));
  let claimedByJob: Map<string, ClaimedDelivery[]>;
  try {
    const claimed = await withTenant(ctx.db, { orgId }, (tx) => claim(tx, payloads, openSecret, orgId, jobs));
    // Superseded, finished, or asked for by another job of the batch: nothing to send for that unit.
    const sending = new Set(claimed.map((entry) => unitKey(entry.queueJobId, entry.delivery.id)));
    for (const job of jobs) for (const unit of unitsOf(job)) if (!sending.has(unit)) events.sent(unit);
    claimedByJob = groupBy(claimed, (entry) => entry.queueJobId);
  } catch (error) {
    await failDeliverJobs(ctx, jobs, error);
    for (const job of jobs) unitsOf(job).forEach(events.done);
    return;
  }
  for (const job of jobs) {
    // A job with nothing to send is finished as it is.
    const sends = (claimedByJob.get(job.id) ?? []).map((claimed) => {
      const unit = unitKey(job.id, claimed.delivery.id);
      return {
        claimed,
        outcome: send(ctx, claimed, () => events.parked(unit)).then((outcome) => {
          events.sent(unit);
          return outcome;
        }),
      };
    });
    void recorder.recordQueueJob(job.id, sends).finally(() => unitsOf(job).forEach(events.done));
  }
}

async function claim(
  tx: Tx,
  payloads: PayloadCache,
  openSecret: SecretOpener,
  orgId: string,
  jobs: PgBoss.Job<DeliverJobData>[],
): Promise<ClaimedDelivery[]> {
  // Should two queue jobs ask for the same delivery (a retry and its chunk handed out again), the first one sends it.
  const jobByDelivery = new Map<string, PgBoss.Job<DeliverJobData>>();
  for (const job of jobs)
    for (const id of deliveryIdsOf(job.data)) if (!jobByDelivery.has(id)) jobByDelivery.set(id, job);
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
      buildBody: bodyBuilderOf(delivery, items),
      siteSlug: site.slug,
      url: site.destinationUrl,
      secrets: activeSigningSecrets(site, openSecret),
    };
  });
}

function bodyBuilderOf(delivery: ClaimedRow, items: Map<string, Buffer>): () => Buffer {
  const { envelope, body } = delivery;
  if (envelope === null) return () => Buffer.from(body!);
  const itemsJson = items.get(delivery.payloadHash!);
  // The plan stores the payload in the transaction that creates the delivery: missing means a broken database
  // (found at the claim, which then fails, rather than at the send).
  if (itemsJson === undefined)
    throw new Error(`Payload ${delivery.payloadHash} of delivery ${delivery.id} is missing`);
  return () => webhookBodyBytesOf(envelope, itemsJson);
}

async function send(ctx: SyncContext, claimed: ClaimedDelivery, onIdle: () => void) {
  const { delivery } = claimed;
  const outcome = await ctx.delivery.deliver(
    {
      url: claimed.url,
      // A fresh timestamp (and so signature) per attempt; the id stays, so a receiver applies the version once.
      headers: (_attempt, body) =>
        webhookHeaders({
          id: delivery.webhookId,
          timestamp: Math.floor(Date.now() / 1000),
          body,
          secrets: claimed.secrets,
        }),
      body: claimed.buildBody,
    },
    {
      onIdle,
      onQuickRetry: (nextAttempt, failed, delayMs) => {
        const jobId = delivery.jobId;
        if (jobId === null) return;
        void withTenant(ctx.db, { orgId: claimed.data.orgId }, (tx) =>
          writeJobLogs(tx, ctx.liveLines, [
            {
              organizationId: delivery.organizationId,
              jobId,
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

/** The worker only needs to know when a job is out of its hands; errors are logged where they happen. */
function settleable<T>(): { promise: Promise<T>; settle(value: T): void } {
  let settle!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (settle = resolve));
  return { promise, settle };
}
