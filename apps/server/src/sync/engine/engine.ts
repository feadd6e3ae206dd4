import type { Logger } from 'pino';
import { startAlertWorker, type AlertWorker, type AlertWorkerOptions } from '../../alerts/alert-worker.js';
import { DEFAULT_RETENTION_DAYS, type Config } from '../../config.js';
import type { Database, Unlisten } from '../../db/types.js';
import { processLiveLines } from '../../live/index.js';
import { createMetrics, type Metrics } from '../../metrics/metrics.js';
import { countSitesByHealth } from '../../metrics/site-health.repo.js';
import { QUEUES, startJobQueue } from '../../queue/job-queue.js';
import { startRetentionJob, type RetentionJob } from '../../retention/retention-job.js';
import { createDeliveryClient } from '../deliver/deliver.js';
import type { SyncQueue } from '../jobs/sync-jobs.service.js';
import { listenForWork } from '../queue/work-signal.js';
import { createWorkerRecovery, type WorkerRecovery } from '../recovery/worker-recovery.js';
import { createSyncWorker, type SyncWorkerOptions } from './worker.js';

export interface SyncEngine {
  queue: SyncQueue;
  metrics: Metrics;
  stop(): Promise<void>;
}

// An embedded PGlite runs its statements on this process's event loop, one at a time, so it wants smaller units
// of work than a PostgreSQL server. Its first plan chunk is PostgreSQL's (FIRST_PLAN_CHUNK_SITES).
/**
 * Sites per plan transaction on an embedded PGlite (PostgreSQL: PLAN_CHUNK_SITES, 2,000). Measured (10,000 sites,
 * medians of 3): chunks of 250 → 1,003 deliveries/s, 500 → 1,091, 1,000 → 1,274, 2,000 → 1,020.
 */
const EMBEDDED_PLAN_CHUNK_SITES = 1_000;
/**
 * Deliveries a worker takes on at once with an embedded PGlite, unless WORKER_CONCURRENCY says (PostgreSQL: the
 * worker's default, 1,024). Measured (1,000 sites, medians of 5): 256 → 0.86 s, 1,024 → 1.27 s; 10,000 sites about
 * the same (1,064/s and 1,012/s): bigger claims and records only hold the one connection longer.
 */
const EMBEDDED_CONCURRENCY = 256;

/**
 * The queue, the HTTP delivery client and (unless `worker: false`, for API-only processes) a worker fetching from
 * the queue, with the alert sender beside it. `npm start` runs all of it in one process; `datasync worker` runs workers on their own.
 */
export async function startSyncEngine(
  database: Database,
  options: {
    config: Pick<
      Config,
      | 'allowedDestinationOrigins'
      | 'workerConcurrency'
      | 'publicUrl'
      | 'smtpUrl'
      | 'smtpFrom'
      | 'retryScheduleMs'
    > &
      Partial<Pick<Config, 'workerStaleAfterMs' | 'retentionDays'>>;
    encryptionKey: Buffer;
    log: Pick<Logger, 'info' | 'warn' | 'error'>;
    worker?: boolean;
    /** 'engine' in the engine thread: only the engine's own counters (the main thread reports the rest). */
    metricsScope?: 'process' | 'engine';
    workerOptions?: SyncWorkerOptions;
    delivery?: Partial<Parameters<typeof createDeliveryClient>[0]>;
    /** The alert sender's settings (a short retry schedule in tests). */
    alerts?: AlertWorkerOptions;
    /** The retention job's schedule and polling (tests poll faster); it runs where a worker does. */
    retention?: Pick<Parameters<typeof startRetentionJob>[2], 'cron' | 'pollingIntervalSeconds'>;
  },
): Promise<SyncEngine> {
  // pg-boss's scheduler runs where workers do: they run what it sends.
  const boss = await startJobQueue(
    database,
    (error) => options.log.error({ err: error }, 'job queue error'),
    { schedule: options.worker !== false },
  );
  const delivery = createDeliveryClient({
    allowedOrigins: options.config.allowedDestinationOrigins,
    ...options.delivery,
  });
  const queueDepth = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.values(QUEUES).map(async (name) => [name, await boss.getQueueSize(name)] as const),
      ),
    );
  const metrics =
    options.metricsScope === 'engine'
      ? createMetrics({ processMetrics: false })
      : createMetrics({ queueDepth, sitesByHealth: () => countSitesByHealth(database.db) });
  const worker = createSyncWorker(
    {
      db: database.db,
      boss,
      encryptionKey: options.encryptionKey,
      delivery,
      log: options.log,
      metrics,
      retryScheduleMs: options.config.retryScheduleMs,
      liveLines: processLiveLines,
    },
    {
      concurrency:
        options.config.workerConcurrency ?? (database.kind === 'pglite' ? EMBEDDED_CONCURRENCY : undefined),
      planChunkSites: database.kind === 'pglite' ? EMBEDDED_PLAN_CHUNK_SITES : undefined,
      ...options.workerOptions,
    },
  );
  let unlisten: Unlisten | null = null;
  let recovery: WorkerRecovery | null = null;
  let alerts: AlertWorker | null = null;
  let retention: RetentionJob | null = null;
  if (options.worker !== false) {
    recovery = createWorkerRecovery({
      db: database.db,
      kind: database.kind,
      log: options.log,
      liveLines: processLiveLines,
      staleAfterMs: options.config.workerStaleAfterMs,
      heldJobIds: worker.heldJobIds,
      wake: () => worker.wake(),
    });
    // Before the first fetch: on PGlite this hands back what the previous process left active.
    await recovery.start();
    worker.start();
    unlisten = await listenForWork(database, worker.wake);
    // Wherever a sync worker runs (never in an API-only process): alerts are raised by its recording.
    alerts = await startAlertWorker(
      {
        db: database.db,
        boss,
        config: options.config,
        encryptionKey: options.encryptionKey,
        log: options.log,
        metrics,
      },
      options.alerts,
    );
    retention = await startRetentionJob(
      boss,
      { db: database.db, metrics, log: options.log },
      { retentionDays: options.config.retentionDays ?? DEFAULT_RETENTION_DAYS, ...options.retention },
    );
  }
  return {
    queue: { boss, wake: worker.wake },
    metrics,
    stop: async () => {
      await retention?.stop();
      await unlisten?.();
      await alerts?.stop();
      await worker.stop();
      await recovery?.stop();
      await boss.stop({ graceful: false, wait: true });
      await delivery.close();
    },
  };
}
