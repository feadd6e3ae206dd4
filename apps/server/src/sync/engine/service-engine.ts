import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Database } from '../../db/types.js';
import { processLiveLines } from '../../live/index.js';
import { withMergedMetrics } from '../../metrics/metrics.js';
import { startEngineThread, type EngineThread } from './engine-thread.js';
import { startSyncEngine, type SyncEngine } from './engine.js';

/**
 * The sync engine as `datasync serve` runs it beside the API. On PostgreSQL (unless SYNC_THREAD=false) the worker
 * runs in a thread of its own (decision 013) and this thread keeps a queue without a worker, for the API to enqueue,
 * and the metrics of both; with the embedded PGlite, or `worker: false`, all of it stays on this thread.
 */
export async function startServiceEngine(
  database: Database,
  options: {
    config: Config;
    encryptionKey: Buffer;
    log: Pick<Logger, 'info' | 'warn' | 'error'>;
    /** false: no worker at all (the API enqueues; `datasync worker` processes deliver). */
    worker?: boolean;
  },
): Promise<SyncEngine> {
  const worker = options.worker !== false;
  const inThread = worker && database.kind === 'postgres' && options.config.syncThread;
  const engine = await startSyncEngine(database, { ...options, worker: worker && !inThread });
  if (!inThread) return engine;
  // This thread's live tails take the lines the engine thread writes for them (written-lines.ts).
  const stopSharing = processLiveLines.shareAcrossThreads();
  let thread: EngineThread;
  try {
    thread = await startEngineThread(options);
  } catch (error) {
    stopSharing();
    await engine.stop();
    throw error;
  }
  return {
    queue: { boss: engine.queue.boss, wake: thread.wake },
    metrics: withMergedMetrics(engine.metrics, thread.metrics),
    stop: async () => {
      await thread.stop(); // deliveries in flight are recorded first
      stopSharing();
      await engine.stop();
    },
  };
}
