import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/open.js';
import { processLiveLines } from '../../live/index.js';
import { startSyncEngine } from './engine.js';
import type { EngineThreadData, FromEngineThread, ToEngineThread } from './engine-thread.protocol.js';

// The sync engine's thread (engine-thread.ts): its own database pool, queue and worker. Log records go to the
// parent, whose logger writes them, so a process has one log stream.

const port = parentPort!;
const { config, encryptionKey } = workerData as EngineThreadData;
const post = (message: FromEngineThread) => port.postMessage(message);
const forward =
  (level: 'info' | 'warn' | 'error') =>
  (...args: unknown[]) =>
    post({ type: 'log', level, args });
const log = { info: forward('info'), warn: forward('warn'), error: forward('error') };

// The lines this thread writes for jobs the API thread's live tails follow go to them without a read back.
const stopSharing = processLiveLines.shareAcrossThreads();
// The parent migrated the database before starting this thread.
const database = await openDatabase(config);
const engine = await startSyncEngine(database, {
  config,
  encryptionKey: Buffer.from(encryptionKey),
  log,
  // Process metrics and queue depths are the main thread's to report; this registry holds the engine's counters.
  metricsScope: 'engine',
});

port.on('message', (message: ToEngineThread) => {
  if (message.type === 'wake') engine.queue.wake();
  else if (message.type === 'metrics')
    void engine.metrics.registry
      .getMetricsAsJSON()
      .then((metrics) => post({ type: 'metrics', id: message.id, metrics }));
  else if (message.type === 'stop')
    void (async () => {
      await engine.stop();
      stopSharing();
      await database.close();
      post({ type: 'stopped' });
      port.close();
    })();
});
post({ type: 'ready' });
