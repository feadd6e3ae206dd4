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

export interface DeliverJobData {
  deliveryId: string;
  orgId: string;
  /** How many durable retries came before this one (0 = first send). */
  retry: number;
}

/** Counts a finished job in the metrics (finalizeJobIfDone's answer, when it ended one). */
export function observeFinishedJob(
  ctx: Pick<SyncContext, 'metrics'>,
  finished: { status: string; durationSeconds: number } | null,
): void {
  if (finished) ctx.metrics.jobDuration.observe({ status: finished.status }, finished.durationSeconds);
}
