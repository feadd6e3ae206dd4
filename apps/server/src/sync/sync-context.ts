import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { AppDb } from '../db/types.js';
import type { Metrics } from '../metrics/metrics.js';
import type { DeliveryClient } from './deliver.js';

/** What the sync engine's handlers need; built once per process (main.ts, the worker command, tests). */
export interface SyncContext {
  db: AppDb;
  boss: PgBoss;
  encryptionKey: Buffer;
  delivery: DeliveryClient;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics: Metrics;
  /**
   * Asks this process's worker to fetch now instead of at its next poll. `deliveries`: only delivery jobs are new
   * (the worker then skips the plan queue until its next poll); without it, a plan may be waiting too.
   */
  wake(work?: WorkKind): void;
}

/** What a wake-up announces: anything (a job may need planning), or only deliveries to send. */
export type WorkKind = 'any' | 'deliveries';

/** pg-boss job settings: a worker that dies mid-job has it back after `expireInSeconds`. */
export const PLAN_JOB_OPTIONS = { expireInSeconds: 300, retryLimit: 5, retryDelay: 5 } as const;
export const DELIVER_JOB_OPTIONS = { expireInSeconds: 120, retryLimit: 5, retryDelay: 5 } as const;

export interface PlanJobData {
  jobId: string;
  orgId: string;
}

/**
 * One queue job of the deliver queue: a plan's deliveries go in chunks (`deliveryIds`), so the queue's own rows
 * (insert, fetch, complete: a third of the database's time when each delivery had its job) are written once per
 * chunk; a durable retry is a job of its one delivery (`deliveryId`, also the form of jobs queued before chunking).
 */
export type DeliverJobData = ({ deliveryIds: string[] } | { deliveryId: string }) & {
  orgId: string;
  /** How many durable retries came before this one (0 = first send). */
  retry: number;
};

/** Deliveries per queue job of a plan. */
export const DELIVERIES_PER_QUEUE_JOB = 64;

export function deliveryIdsOf(data: DeliverJobData): string[] {
  return 'deliveryIds' in data ? data.deliveryIds : [data.deliveryId];
}

/** Counts a finished job in the metrics (finalizeJobIfDone's answer, when it ended one). */
export function observeFinishedJob(
  ctx: Pick<SyncContext, 'metrics'>,
  finished: { status: string; durationSeconds: number } | null,
): void {
  if (finished) ctx.metrics.jobDuration.observe({ status: finished.status }, finished.durationSeconds);
}
