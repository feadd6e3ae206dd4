import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { AppDb } from '../../db/types.js';
import type { LiveLines } from '../../live/index.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { DeliveryClient } from '../deliver/deliver.js';
import type { WorkKind } from '../queue/queue-jobs.js';

/** What the sync engine's handlers need; built once per process (main.ts, the worker command, tests). */
export interface SyncContext {
  db: AppDb;
  boss: PgBoss;
  encryptionKey: Buffer;
  delivery: DeliveryClient;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics: Metrics;
  /** The waits before a failing site's durable retries, in ms (RETRY_SCHEDULE; deliver/retry-policy.ts). */
  retryScheduleMs: readonly number[];
  /** Where the log lines this process writes go when its live tails follow their job (jobs/job-log-writer.ts). */
  liveLines: LiveLines;
  /**
   * Asks this process's worker to fetch now instead of at its next poll. `deliveries`: only delivery jobs are new
   * (the worker then skips the plan queue until its next poll); without it, a plan may be waiting too.
   */
  wake(work?: WorkKind): void;
}
