import type { Tx } from '../../db/types.js';
import { describeOutcome, type ClaimedDelivery } from '../deliver/claimed-delivery.js';
import type { DeliveryOutcome } from '../deliver/deliver.js';
import { nextDurableDelay } from '../deliver/retry-policy.js';
import type { SyncContext } from '../engine/sync-context.js';
import type { NewLog } from '../jobs/job-logs.repo.js';
import type { DeliverJobData } from '../queue/queue-jobs.js';
import { enqueueRetry } from '../queue/sync-queue.js';
import { lastSuccessAt, lockDelivery, updateDelivery } from './outcomes.repo.js';
import { recordSitesSync } from './site-sync.repo.js';

/** A delivery still to be recorded: `in_progress` is left in rows that engines marking their claims wrote. */
const UNFINISHED = new Set(['pending', 'in_progress']);

/** Like Standard Webhooks senders, stop calling an endpoint that has accepted nothing for days. */
export const DISABLE_AFTER_FAILING_DAYS = 5;

/**
 * Records a send that was not accepted: a durable retry on the queue (in this transaction) while the schedule
 * allows, else the delivery failed, and the site disabled after 410 Gone or days without success. Answers the log
 * line, or null when the delivery was no longer this worker's to record. Failures are the exception, so they are
 * recorded one by one inside the batch's transaction.
 */
export async function recordFailedSend(
  tx: Tx,
  ctx: Pick<SyncContext, 'boss'>,
  claimed: ClaimedDelivery,
  outcome: DeliveryOutcome,
): Promise<NewLog | null> {
  const { delivery, data, siteSlug } = claimed;
  const current = await lockDelivery(tx, delivery.id);
  if (!current || !UNFINISHED.has(current.delivery.status)) return null;
  const attempts = current.delivery.attempts + outcome.attempts;
  const common = {
    attempts,
    responseCode: outcome.status,
    latencyMs: Math.round(outcome.latencyMs),
    error: outcome.error,
  };
  const line = (entry: Omit<NewLog, 'organizationId' | 'jobId' | 'siteId'>): NewLog | null =>
    delivery.jobId === null
      ? null
      : { organizationId: delivery.organizationId, jobId: delivery.jobId, siteId: delivery.siteId, ...entry };

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
    // A retry is a queue job of its own delivery, whatever chunk it was planned in.
    const retry: DeliverJobData = { deliveryId: delivery.id, orgId: data.orgId, retry: data.retry + 1 };
    await enqueueRetry(tx, ctx.boss, retry, delayMs);
    return line({
      level: 'warn',
      siteStatus: 'pending',
      message: `${siteSlug}: version ${delivery.version} not accepted (${describeOutcome(outcome)}); durable retry ${data.retry + 1} in ${formatDelay(delayMs)}.`,
      metadata: { status: outcome.status, error: outcome.error, retry: data.retry + 1, delay_ms: delayMs },
    });
  }
  const disable =
    outcome.kind === 'gone'
      ? 'The receiver answered 410 Gone.'
      : await failingForDays(tx, claimed.siteCreatedAt, delivery.siteId);
  await updateDelivery(tx, delivery.id, {
    ...common,
    status: 'failed',
    completedAt: new Date().toISOString(),
  });
  await recordSitesSync(tx, [delivery.siteId], { status: 'failed', disable });
  return line({
    level: 'error',
    siteStatus: 'failed',
    message: `${siteSlug}: version ${delivery.version} failed (${describeOutcome(outcome)})${disable ? '; site disabled' : ''}.`,
    metadata: { status: outcome.status, error: outcome.error, attempts },
  });
}

async function failingForDays(tx: Tx, siteCreatedAt: string, siteId: string): Promise<string | undefined> {
  const since = (await lastSuccessAt(tx, siteId)) ?? siteCreatedAt;
  const days = (Date.now() - Date.parse(since)) / 86_400_000;
  if (days < DISABLE_AFTER_FAILING_DAYS) return undefined;
  return `No delivery accepted for ${Math.floor(days)} days.`;
}

function formatDelay(ms: number): string {
  return ms < 60_000
    ? `${Math.round(ms / 1000)} s`
    : ms < 3_600_000
      ? `${Math.round(ms / 60_000)} min`
      : `${(ms / 3_600_000).toFixed(1)} h`;
}
