import type { SiteAlertEvent } from '../../alerts/alert-events.js';
import type { Tx } from '../../db/types.js';
import { describeOutcome, type ClaimedDelivery } from '../deliver/claimed-delivery.js';
import type { DeliveryOutcome } from '../deliver/deliver.js';
import { nextDurableDelay } from '../deliver/retry-policy.js';
import type { SyncContext } from '../engine/sync-context.js';
import type { NewLog } from '../jobs/job-logs.repo.js';
import type { DeliverJobData } from '../queue/queue-jobs.js';
import { enqueueRetry } from '../queue/sync-queue.js';
import type { DeliveryRow } from '../jobs/sync-jobs.repo.js';
import { insertSiteDelivery, type PlannedPayload } from '../site-sends/site-deliveries.repo.js';
import { failureEvents } from './health-events.js';
import { lockDelivery, updateDelivery } from './outcomes.repo.js';
import { lockSiteHealth, recordSiteFailure, type SiteHealthBefore } from './site-health.repo.js';

/** A delivery still to be recorded: `in_progress` is left in rows that engines marking their claims wrote. */
const UNFINISHED = new Set(['pending', 'in_progress']);

/** Like Standard Webhooks senders, stop calling an endpoint that has accepted nothing for days. */
export const DISABLE_AFTER_FAILING_DAYS = 5;

/** What recording a failed send produced: the job's log line (none for a site's own send) and the site's alerts. */
export interface RecordedFailure {
  line: NewLog | null;
  events: SiteAlertEvent[];
}

/**
 * Records a send that was not accepted, with the site's health, in the batch's transaction. A job's delivery is
 * sent once (with its quick retries) and then `failed`, so the job can end; unless the receiver said 410 Gone or
 * the SSRF guard refused it, the site takes over with an own send of the same payload and webhook id, queued for
 * the first retry of the schedule. A site's own send stays `pending` for its next retry while the schedule lasts,
 * else it is `failed` (the site stays failing until a newer sync or a redelivery). The site is disabled after 410
 * Gone, or when a delivery fails with no retry to follow and the site has accepted nothing for days. Answers null
 * when the delivery was no longer this worker's to record. Failures are the exception: recorded one by one.
 */
export async function recordFailedSend(
  tx: Tx,
  ctx: Pick<SyncContext, 'boss' | 'retryScheduleMs'>,
  claimed: ClaimedDelivery,
  outcome: DeliveryOutcome,
): Promise<RecordedFailure | null> {
  const { delivery, data } = claimed;
  const locked = await lockDelivery(tx, delivery.id);
  if (!locked || !UNFINISHED.has(locked.delivery.status)) return null;
  const current = locked.delivery;
  const common = {
    attempts: current.attempts + outcome.attempts,
    responseCode: outcome.status,
    latencyMs: Math.round(outcome.latencyMs),
    error: outcome.error,
  };
  const now = Date.now();
  const failed = {
    ...common,
    status: 'failed' as const,
    nextAttemptAt: null,
    completedAt: new Date(now).toISOString(),
  };

  const retry = data.retry + 1;
  // A site disabled meanwhile gets no more retries.
  const delayMs = locked.siteEnabled ? retryDelay(ctx.retryScheduleMs, outcome, retry) : null;
  const nextAttemptAt = delayMs === null ? null : new Date(now + delayMs).toISOString();
  const queueRetry = (deliveryId: string) => {
    const retryJob: DeliverJobData = { deliveryId, orgId: data.orgId, retry };
    return enqueueRetry(tx, ctx.boss, retryJob, delayMs!);
  };
  if (delivery.jobId !== null) {
    await updateDelivery(tx, delivery.id, failed);
    if (delayMs !== null)
      await queueRetry(await insertSiteDelivery(tx, plannedPayloadOf(current), 'retry', nextAttemptAt));
  } else if (delayMs !== null) {
    await updateDelivery(tx, delivery.id, { ...common, status: 'pending', nextAttemptAt });
    await queueRetry(delivery.id);
  } else {
    await updateDelivery(tx, delivery.id, failed);
  }

  // After the deliveries' rows, as every writer of both locks them (the planner, the accepted outcomes).
  const site = await lockSiteHealth(tx, delivery.siteId);
  if (!site) return null;
  const lastError = describeOutcome(outcome);
  const disable = !site.enabled
    ? undefined
    : outcome.kind === 'gone'
      ? 'The receiver answered 410 Gone.'
      : delayMs === null
        ? failingForDays(site, now)
        : undefined;
  await recordSiteFailure(tx, delivery.siteId, { lastError, nextAttemptAt, disable });
  const events = failureEvents(
    {
      organizationId: site.organizationId,
      siteId: delivery.siteId,
      wasFailing: site.failingSince !== null,
      wasEnabled: site.enabled,
    },
    lastError,
    disable !== undefined,
  );
  return {
    line: jobLine(claimed, { ...outcome, attempts: common.attempts }, lastError, delayMs, disable),
    events,
  };
}

/**
 * The wait before retry number `retry`: none after 410 Gone or a send the SSRF guard refused (the site's settings
 * must change first), nor once the schedule is spent; a throttling receiver's Retry-After sets it, else the schedule.
 */
function retryDelay(schedule: readonly number[], outcome: DeliveryOutcome, retry: number): number | null {
  if (outcome.kind === 'gone' || outcome.kind === 'blocked') return null;
  const scheduled = nextDurableDelay(schedule, retry);
  if (scheduled !== null && outcome.kind === 'throttled' && outcome.retryAfterMs) return outcome.retryAfterMs;
  return scheduled;
}

/** The job's line for its delivery (`outcome` with the delivery's attempts); a site's own send is no job's story. */
function jobLine(
  { delivery, siteSlug }: ClaimedDelivery,
  outcome: Pick<DeliveryOutcome, 'status' | 'error' | 'attempts'>,
  described: string,
  delayMs: number | null,
  disable: string | undefined,
): NewLog | null {
  if (delivery.jobId === null) return null;
  const base = {
    organizationId: delivery.organizationId,
    jobId: delivery.jobId,
    siteId: delivery.siteId,
    level: 'error' as const,
    siteStatus: 'failed' as const,
  };
  const metadata = { status: outcome.status, error: outcome.error, attempts: outcome.attempts };
  if (delayMs !== null)
    return {
      ...base,
      message: `${siteSlug}: version ${delivery.version} not accepted (${described}); the site retries on its own in ${formatDelay(delayMs)}.`,
      metadata: { ...metadata, retry_in_ms: delayMs },
    };
  return {
    ...base,
    message: `${siteSlug}: version ${delivery.version} failed (${described})${disable ? '; site disabled' : ''}.`,
    metadata,
  };
}

/** What a site's own send copies from the delivery it sends again: the same version, payload and webhook id. */
function plannedPayloadOf(delivery: DeliveryRow): PlannedPayload {
  return {
    organizationId: delivery.organizationId,
    siteId: delivery.siteId,
    version: delivery.version!,
    webhookId: delivery.webhookId,
    payloadHash: delivery.payloadHash,
    itemCount: delivery.itemCount,
    envelope: delivery.envelope,
    body: delivery.body,
  };
}

function failingForDays(site: SiteHealthBefore, now: number): string | undefined {
  const days = (now - Date.parse(site.lastSuccessAt ?? site.createdAt)) / 86_400_000;
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
