import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { retryWhileDisconnected } from '../../db/errors.js';
import type { Tx } from '../../db/types.js';
import { QUEUES, transactionExecutor } from '../../queue/job-queue.js';
import {
  DELIVER_JOB_OPTIONS,
  PLAN_JOB_OPTIONS,
  type DeliverJobData,
  type PlanJobData,
} from './queue-jobs.js';
import { announceWork } from './work-signal.repo.js';

// The sync's writes to its pg-boss queues. Jobs are queued inside the caller's transaction (transactionExecutor):
// they exist exactly when the rows they refer to do, and the NOTIFY that wakes other processes' workers arrives
// with them.

/**
 * Queues the plan of a new sync job, `startAfterSeconds` from now (default: at once). Only a plan due now is
 * announced: a worker woken for a later one would find nothing to fetch yet, and takes it at a later poll.
 */
export async function enqueuePlan(
  tx: Tx,
  boss: PgBoss,
  data: PlanJobData,
  startAfterSeconds = 0,
): Promise<void> {
  await boss.send(QUEUES.plan, data, {
    ...PLAN_JOB_OPTIONS,
    ...(startAfterSeconds > 0 ? { startAfter: startAfterSeconds } : {}),
    db: transactionExecutor(tx),
  });
  if (startAfterSeconds === 0) await announceWork(tx, 'any');
}

/** Queues a plan chunk's deliveries, one queue job per DELIVERIES_PER_QUEUE_JOB of them. */
export async function enqueueDeliveries(tx: Tx, boss: PgBoss, jobs: DeliverJobData[]): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(
    jobs.map((data) => ({ name: QUEUES.deliver, data, ...DELIVER_JOB_OPTIONS })),
    { db: transactionExecutor(tx) },
  );
  await announceWork(tx, 'deliveries');
}

/** Queues a durable retry of one delivery, `delayMs` from now (pg-boss counts in whole seconds, at least one). */
export async function enqueueRetry(
  tx: Tx,
  boss: PgBoss,
  data: DeliverJobData,
  delayMs: number,
): Promise<void> {
  await boss.send(QUEUES.deliver, data, {
    ...DELIVER_JOB_OPTIONS,
    startAfter: Math.max(1, Math.ceil(delayMs / 1000)),
    db: transactionExecutor(tx),
  });
}

/**
 * Gives deliver-queue jobs back to pg-boss, which hands them out again (the claim then takes only what is still
 * unfinished); as soon as the database answers again, else only pg-boss's expiry would, minutes later.
 */
export async function failDeliverJobs(
  ctx: { boss: PgBoss; log: Pick<Logger, 'error'> },
  jobs: { id: string }[],
  error: unknown,
): Promise<void> {
  ctx.log.error({ err: error, jobs: jobs.length }, 'delivery jobs could not be run; pg-boss will retry them');
  await retryWhileDisconnected(() =>
    ctx.boss.fail(
      QUEUES.deliver,
      jobs.map((job) => job.id),
    ),
  ).catch(() => {});
}
