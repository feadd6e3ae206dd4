import { withTenant } from '../db/tenant.js';
import type { Tx } from '../db/types.js';
import { QUEUES, transactionExecutor } from '../queue/job-queue.js';
import { activeSigningSecrets } from '../sites/site-secrets.js';
import type { DeliveryOutcome } from './deliver.js';
import { finalizeJobIfDone } from './job-finalizer.js';
import { nextDurableDelay } from './retry-policy.js';
import { webhookHeaders } from './sign.js';
import {
  DELIVER_JOB_OPTIONS,
  observeFinishedJob,
  type DeliverJobData,
  type SyncContext,
} from './sync-context.js';
import {
  insertLogs,
  lastSuccessAt,
  lockDelivery,
  recordSiteSync,
  updateDelivery,
  upsertSnapshot,
  type DeliveryRow,
  type NewLog,
} from './sync-jobs.repo.js';

interface Prepared {
  delivery: DeliveryRow;
  siteSlug: string;
  siteCreatedAt: string;
  url: string;
  secrets: string[];
}

/**
 * Sends one delivery: claim it (skipping superseded or finished ones), POST the stored body with fresh signatures
 * outside any transaction, then record the outcome, the snapshot and any durable retry in one transaction.
 */
export async function runDelivery(ctx: SyncContext, data: DeliverJobData): Promise<void> {
  const prepared = await withTenant(ctx.db, { orgId: data.orgId }, (tx) => claim(tx, ctx, data));
  if (!prepared) return;
  const { delivery } = prepared;
  const log = (entry: Omit<NewLog, 'organizationId' | 'jobId' | 'siteId'>) => ({
    organizationId: delivery.organizationId,
    jobId: delivery.jobId,
    siteId: delivery.siteId,
    ...entry,
  });

  const outcome = await ctx.delivery.deliver(
    {
      url: prepared.url,
      // A fresh timestamp (and so signature) per attempt; the id stays, so a receiver applies the version once.
      headers: () =>
        webhookHeaders({
          id: delivery.webhookId,
          timestamp: nowSeconds(),
          body: delivery.body!,
          secrets: prepared.secrets,
        }),
      body: delivery.body!,
    },
    {
      onQuickRetry: (nextAttempt, failed, delayMs) => {
        void withTenant(ctx.db, { orgId: data.orgId }, (tx) =>
          insertLogs(tx, [
            log({
              level: 'warn',
              message: `${prepared.siteSlug}: attempt ${nextAttempt - 1} failed (${describe(failed)}); retrying in ${delayMs} ms.`,
              metadata: {
                attempt: nextAttempt - 1,
                status: failed.status,
                error: failed.error,
                delay_ms: delayMs,
              },
            }),
          ]),
        ).catch((error: unknown) => ctx.log.warn({ err: error }, 'could not write a retry log line'));
      },
    },
  );

  ctx.metrics.deliveryLatency.observe(outcome.latencyMs / 1000);
  ctx.metrics.deliveries.inc({ outcome: outcome.kind });
  await withTenant(ctx.db, { orgId: data.orgId }, (tx) => record(tx, ctx, data, prepared, outcome, log));
}

async function claim(tx: Tx, ctx: SyncContext, data: DeliverJobData): Promise<Prepared | null> {
  const row = await lockDelivery(tx, data.deliveryId);
  // Superseded, finished, or a duplicate queue entry: nothing to send.
  if (
    !row ||
    (row.delivery.status !== 'pending' && row.delivery.status !== 'in_progress') ||
    !row.delivery.body
  ) {
    return null;
  }
  await updateDelivery(tx, row.delivery.id, { status: 'in_progress', nextAttemptAt: null });
  return {
    delivery: row.delivery,
    siteSlug: row.site.slug,
    siteCreatedAt: row.site.createdAt,
    url: row.site.destinationUrl,
    secrets: activeSigningSecrets(row.site, ctx.encryptionKey),
  };
}

async function record(
  tx: Tx,
  ctx: SyncContext,
  data: DeliverJobData,
  prepared: Prepared,
  outcome: DeliveryOutcome,
  log: (entry: Omit<NewLog, 'organizationId' | 'jobId' | 'siteId'>) => NewLog,
): Promise<void> {
  const { delivery, siteSlug } = prepared;
  const current = await lockDelivery(tx, delivery.id);
  if (!current || current.delivery.status !== 'in_progress') return;
  const attempts = current.delivery.attempts + outcome.attempts;
  const common = {
    attempts,
    responseCode: outcome.status,
    latencyMs: Math.round(outcome.latencyMs),
    error: outcome.error,
  };
  const now = new Date().toISOString();

  if (outcome.kind === 'success') {
    await updateDelivery(tx, delivery.id, { ...common, error: null, status: 'success', completedAt: now });
    await upsertSnapshot(tx, {
      organizationId: delivery.organizationId,
      siteId: delivery.siteId,
      jobId: delivery.jobId,
      version: delivery.version!,
      payload: JSON.parse(delivery.body!),
      payloadHash: delivery.payloadHash!,
      itemCount: delivery.itemCount!,
    });
    await recordSiteSync(tx, delivery.siteId, { status: 'success' });
    await insertLogs(tx, [
      log({
        level: 'info',
        siteStatus: 'success',
        message: `${siteSlug}: version ${delivery.version} delivered (${outcome.status} in ${Math.round(outcome.latencyMs)} ms).`,
        metadata: {
          version: delivery.version,
          status: outcome.status,
          latency_ms: Math.round(outcome.latencyMs),
          attempts,
        },
      }),
    ]);
  } else {
    // The schedule bounds the number of retries; a throttling receiver's Retry-After sets the wait.
    const scheduled =
      outcome.kind === 'gone' || outcome.kind === 'blocked' ? null : nextDurableDelay(data.retry + 1);
    const delayMs =
      scheduled !== null && outcome.kind === 'throttled' && outcome.retryAfterMs
        ? outcome.retryAfterMs
        : scheduled;
    if (delayMs !== null) {
      await updateDelivery(tx, delivery.id, {
        ...common,
        status: 'pending',
        nextAttemptAt: new Date(Date.now() + delayMs).toISOString(),
      });
      await ctx.boss.send(QUEUES.deliver, { ...data, retry: data.retry + 1 } satisfies DeliverJobData, {
        ...DELIVER_JOB_OPTIONS,
        startAfter: Math.max(1, Math.ceil(delayMs / 1000)),
        db: transactionExecutor(tx),
      });
      await insertLogs(tx, [
        log({
          level: 'warn',
          siteStatus: 'pending',
          message: `${siteSlug}: version ${delivery.version} not accepted (${describe(outcome)}); durable retry ${data.retry + 1} in ${formatDelay(delayMs)}.`,
          metadata: {
            status: outcome.status,
            error: outcome.error,
            retry: data.retry + 1,
            delay_ms: delayMs,
          },
        }),
      ]);
      return;
    }
    const disable =
      outcome.kind === 'gone'
        ? 'The receiver answered 410 Gone.'
        : await failingForDays(tx, prepared.siteCreatedAt, delivery.siteId);
    await updateDelivery(tx, delivery.id, { ...common, status: 'failed', completedAt: now });
    await recordSiteSync(tx, delivery.siteId, { status: 'failed', disable });
    await insertLogs(tx, [
      log({
        level: 'error',
        siteStatus: 'failed',
        message: `${siteSlug}: version ${delivery.version} failed (${describe(outcome)})${disable ? '; site disabled' : ''}.`,
        metadata: { status: outcome.status, error: outcome.error, attempts },
      }),
    ]);
  }
  observeFinishedJob(ctx, await finalizeJobIfDone(tx, delivery.jobId));
}

/** Like Standard Webhooks senders, stop calling an endpoint that has accepted nothing for days. */
export const DISABLE_AFTER_FAILING_DAYS = 5;

async function failingForDays(tx: Tx, siteCreatedAt: string, siteId: string): Promise<string | undefined> {
  const since = (await lastSuccessAt(tx, siteId)) ?? siteCreatedAt;
  const days = (Date.now() - Date.parse(since)) / 86_400_000;
  if (days < DISABLE_AFTER_FAILING_DAYS) return undefined;
  return `No delivery accepted for ${Math.floor(days)} days.`;
}

function describe(outcome: DeliveryOutcome): string {
  if (outcome.kind === 'blocked') return `refused by the SSRF guard: ${outcome.error ?? 'private address'}`;
  return outcome.status !== null ? `HTTP ${outcome.status}` : (outcome.error ?? outcome.kind);
}

function formatDelay(ms: number): string {
  return ms < 60_000
    ? `${Math.round(ms / 1000)} s`
    : ms < 3_600_000
      ? `${Math.round(ms / 60_000)} min`
      : `${(ms / 3_600_000).toFixed(1)} h`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
