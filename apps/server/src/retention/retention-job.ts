import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { QUEUES } from '../queue/job-queue.js';
import { pruneOnce, type PruneDeps, type PruneOptions } from './retention.service.js';

/** Every ten minutes: each run then deletes about ten minutes' worth of history, in a few statements. */
export const RETENTION_CRON = '*/10 * * * *';

/**
 * A prune job is not retried (the next slot runs anyway), and expires only well after a run's time limit
 * (DEFAULT_MAX_RUN_MS), so pg-boss never hands out a job that is still running.
 */
const PRUNE_JOB_OPTIONS = { retryLimit: 0, expireInSeconds: 15 * 60 } as const;

export interface RetentionJob {
  /** Stops taking prune jobs and stops the running prune between two statements. */
  stop(): Promise<void>;
}

/**
 * Schedules the prune on pg-boss's cron and runs the prune jobs that this process fetches. Called where sync
 * workers run, whose queue has pg-boss's scheduler on: every such process checks the schedules, and pg-boss sends
 * one job per schedule and minute (see docs/operations.md, "Retention").
 */
export async function startRetentionJob(
  boss: PgBoss,
  deps: PruneDeps & { log: Pick<Logger, 'info' | 'error'> },
  options: Omit<PruneOptions, 'signal'> & {
    cron?: string;
    /** How often this process looks for a due prune job (pg-boss polls): a run starts at most this late. */
    pollingIntervalSeconds?: number;
  },
): Promise<RetentionJob> {
  const { cron = RETENTION_CRON, pollingIntervalSeconds = 30, ...pruneOptions } = options;
  await boss.schedule(QUEUES.retention, cron, {}, { tz: 'UTC', ...PRUNE_JOB_OPTIONS });
  const stopping = new AbortController();
  const running = new Set<Promise<unknown>>();
  await boss.work(QUEUES.retention, { pollingIntervalSeconds }, async () => {
    const run = pruneOnce(deps, { ...pruneOptions, signal: stopping.signal });
    running.add(run);
    try {
      await run;
    } catch (error) {
      deps.log.error({ err: error }, 'retention: the prune failed; the next run tries again');
      throw error;
    } finally {
      running.delete(run);
    }
  });
  return {
    async stop() {
      stopping.abort();
      await boss.offWork(QUEUES.retention);
      await Promise.allSettled(running);
    },
  };
}
