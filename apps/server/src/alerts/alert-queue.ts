import type PgBoss from 'pg-boss';
import type { Tx } from '../db/types.js';
import { QUEUES, transactionExecutor } from '../queue/job-queue.js';

/** One queue job: one attempt at one alert send. */
export interface AlertSendJobData {
  orgId: string;
  sendId: string;
  /** The send's attempts before this one: a job that finds another count is stale and does nothing. */
  attempt: number;
}

/**
 * A worker that dies mid-send has the job back after `expireInSeconds`; pg-boss's own retries are for the
 * unexpected (the database unreachable while recording), the durable schedule is ours (alert-retry.ts).
 */
export const ALERT_SEND_JOB_OPTIONS = { expireInSeconds: 300, retryLimit: 5, retryDelay: 10 } as const;

/** Queues the first attempt of each send, in the caller's transaction: jobs exist exactly when their rows do. */
export async function enqueueAlertSends(tx: Tx, boss: PgBoss, jobs: AlertSendJobData[]): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(
    jobs.map((data) => ({ name: QUEUES.alerts, data, ...ALERT_SEND_JOB_OPTIONS })),
    { db: transactionExecutor(tx) },
  );
}

/** Queues a later attempt, `delayMs` from now (pg-boss counts in whole seconds, at least one). */
export async function enqueueAlertRetry(
  tx: Tx,
  boss: PgBoss,
  data: AlertSendJobData,
  delayMs: number,
): Promise<void> {
  await boss.send(QUEUES.alerts, data, {
    ...ALERT_SEND_JOB_OPTIONS,
    startAfter: Math.max(1, Math.ceil(delayMs / 1000)),
    db: transactionExecutor(tx),
  });
}
