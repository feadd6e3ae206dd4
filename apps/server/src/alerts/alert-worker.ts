import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { withTenant } from '../db/tenant.js';
import { groupBy } from '../lib/group-by.js';
import type { AppDb } from '../db/types.js';
import type { Metrics } from '../metrics/metrics.js';
import { QUEUES } from '../queue/job-queue.js';
import { withAbsoluteLink } from './alert-body.js';
import { destinationOf } from './alert-destination.js';
import { enqueueAlertRetry, type AlertSendJobData } from './alert-queue.js';
import { alertRetryDelayOf, type AlertRetryDelay } from './alert-retry.js';
import { createAlertTransport, type AlertSendOutcome, type AlertTransport } from './alert-transport.js';
import { findSendInHand, recordSendAttempt, type SendInHand } from './alerts.repo.js';

// The alert sender: a pg-boss worker on the alerts' own queue, with a small concurrency and an HTTP client of its
// own, so that alerts never take a delivery's slot. Alerts are not latency-critical: pg-boss's polling `work()`
// is enough. It runs in every process that runs a sync worker (sync/engine/engine.ts).

export interface AlertWorkerOptions {
  /** Sends at once (one pg-boss batch). */
  concurrency?: number;
  /** How often the queue is polled (pg-boss: at least 0.5 s). */
  pollingIntervalSeconds?: number;
  /** The durable schedule (default: RETRY_SCHEDULE's); tests pass a short one. */
  retryDelay?: AlertRetryDelay;
  /** Per HTTP attempt and per SMTP step. */
  timeoutMs?: number;
  /** Retries within one attempt, for blips (default: the delivery client's). */
  quickRetryDelaysMs?: readonly number[];
}

export interface AlertWorkerDeps {
  db: AppDb;
  boss: PgBoss;
  config: Pick<
    Config,
    'allowedDestinationOrigins' | 'publicUrl' | 'smtpUrl' | 'smtpFrom' | 'retryScheduleMs'
  >;
  encryptionKey: Buffer;
  log: Pick<Logger, 'error'>;
  metrics: Pick<Metrics, 'alertsSent'>;
}

export interface AlertWorker {
  /** Stops fetching, waits for the sends in hand, closes the HTTP client. */
  stop(): Promise<void>;
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_POLLING_SECONDS = 2;
const DEFAULT_TIMEOUT_MS = 15_000;

export async function startAlertWorker(
  deps: AlertWorkerDeps,
  options: AlertWorkerOptions = {},
): Promise<AlertWorker> {
  const transport = createAlertTransport({
    allowedOrigins: deps.config.allowedDestinationOrigins,
    smtpUrl: deps.config.smtpUrl,
    smtpFrom: deps.config.smtpFrom,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    quickRetryDelaysMs: options.quickRetryDelaysMs,
  });
  const context: SendContext = {
    ...deps,
    transport,
    retryDelay: options.retryDelay ?? alertRetryDelayOf(deps.config.retryScheduleMs),
  };
  const inFlight = new Set<Promise<unknown>>();
  const workerId = await deps.boss.work<AlertSendJobData>(
    QUEUES.alerts,
    {
      batchSize: options.concurrency ?? DEFAULT_CONCURRENCY,
      pollingIntervalSeconds: options.pollingIntervalSeconds ?? DEFAULT_POLLING_SECONDS,
    },
    async (jobs) => {
      const running = sendBatch(
        context,
        jobs.map((job) => job.data),
      );
      inFlight.add(running);
      const failure = await running.finally(() => inFlight.delete(running));
      if (failure) {
        // The batch goes back to pg-boss; the sends it recorded already are skipped when it comes again.
        deps.log.error({ err: failure.reason, jobs: jobs.length }, 'alert sends could not be recorded');
        throw failure.reason;
      }
    },
  );
  return {
    async stop() {
      await deps.boss.offWork({ id: workerId });
      await Promise.allSettled([...inFlight]);
      await transport.close();
    },
  };
}

interface SendContext extends AlertWorkerDeps {
  transport: AlertTransport;
  retryDelay: AlertRetryDelay;
}

/**
 * One attempt at each send of a batch. Sends to one channel go one after the other, in the order their alerts were
 * raised (a site's `failing` before its `recovered`); channels are served side by side. Answers the first failure
 * to read or record, if any, once every send is done.
 */
async function sendBatch(
  ctx: SendContext,
  jobs: AlertSendJobData[],
): Promise<PromiseRejectedResult | undefined> {
  const read = await Promise.allSettled(
    jobs.map(async (data) => ({
      data,
      inHand: await withTenant(ctx.db, { orgId: data.orgId }, (tx) => findSendInHand(tx, data.sendId)),
    })),
  );
  const due = read
    .filter((result) => result.status === 'fulfilled')
    .map((result) => result.value)
    // A job whose send was recorded meanwhile (a duplicate, or a batch pg-boss handed out again) does nothing.
    .filter((job): job is DueSend => isDue(job.inHand, job.data))
    .sort((a, b) => a.inHand.alert.body.timestamp.localeCompare(b.inHand.alert.body.timestamp));
  const byChannel = groupBy(due, (job) => job.inHand.send.channelId ?? job.data.sendId);
  const sent = await Promise.allSettled(
    [...byChannel.values()].map(async (queue) => {
      for (const job of queue) await sendAndRecord(ctx, job);
    }),
  );
  return [...read, ...sent].find((result) => result.status === 'rejected');
}

interface DueSend {
  data: AlertSendJobData;
  inHand: SendInHand;
}

function isDue(inHand: SendInHand | undefined, data: AlertSendJobData): inHand is SendInHand {
  return inHand !== undefined && inHand.send.status === 'pending' && inHand.send.attempts === data.attempt;
}

/**
 * Sends outside any transaction, then records the outcome and, while the schedule allows, queues the next attempt
 * in the same transaction.
 */
async function sendAndRecord(ctx: SendContext, { data, inHand }: DueSend): Promise<void> {
  const destination = destinationOf(inHand.channel, ctx.encryptionKey);
  const outcome: AlertSendOutcome =
    typeof destination === 'string'
      ? { accepted: false, responseCode: null, error: destination, permanent: true, retryAfterMs: null }
      : await ctx.transport.send(
          data.sendId,
          destination,
          withAbsoluteLink(inHand.alert.body, ctx.config.publicUrl),
        );

  const attempts = data.attempt + 1;
  const scheduled = outcome.accepted || outcome.permanent ? null : ctx.retryDelay(attempts);
  const delayMs = scheduled !== null && outcome.retryAfterMs !== null ? outcome.retryAfterMs : scheduled;
  const status = outcome.accepted ? 'success' : delayMs !== null ? 'pending' : 'failed';
  const recorded = await withTenant(ctx.db, { orgId: data.orgId }, async (tx) => {
    const row = await recordSendAttempt(tx, data.sendId, data.attempt, {
      status,
      responseCode: outcome.responseCode,
      error: outcome.error,
      nextAttemptAt: delayMs !== null ? new Date(Date.now() + delayMs).toISOString() : null,
    });
    if (row && delayMs !== null)
      await enqueueAlertRetry(tx, ctx.boss, { ...data, attempt: attempts }, delayMs);
    return row;
  });
  if (recorded)
    ctx.metrics.alertsSent.inc({
      type: inHand.alert.type,
      channel: inHand.send.channelType,
      outcome: status === 'pending' ? 'retry' : status,
    });
}
