import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { EngineThreadData, FromEngineThread, ToEngineThread } from './engine-thread.protocol.js';

/** An engine thread that died is started again after this long (not in a tight loop if it dies at start). */
const RESTART_DELAY_MS = 1_000;

export interface EngineThread {
  /** New work was queued in this process: the engine looks now rather than at its next poll. */
  wake(): void;
  /** The engine's metrics (prom-client's JSON form), to merge into this process's /metrics. */
  metrics(): Promise<unknown[]>;
  stop(): Promise<void>;
}

/**
 * Runs the sync engine (queue, worker, delivery client) in a worker thread of this process, on a PostgreSQL server
 * (decision 013). Its event loop and heap are its own: a big sync no longer delays the API's requests and live
 * streams, and the engine runs outside the async-context tracking that the auth library turns on for every promise
 * of the thread it runs in (a hook per promise, a tenth of the engine's time). Resolves once the engine runs.
 */
export async function startEngineThread(options: {
  config: Config;
  encryptionKey: Buffer;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}): Promise<EngineThread> {
  const { log } = options;
  const data: EngineThreadData = { config: options.config, encryptionKey: options.encryptionKey };
  const waitingForMetrics = new Map<number, (metrics: unknown[]) => void>();
  let nextMetricsId = 1;
  let stopping = false;
  let thread = await spawn();

  function spawn(): Promise<Worker> {
    return new Promise((resolve, reject) => {
      // Node's default heap limits: a young generation three times the default (192 MB against 48) measured no
      // faster here (4,643 against 4,657 deliveries/s) for 200 MB more RSS.
      const worker = new Worker(new URL('./engine-thread.entry.mjs', import.meta.url), { workerData: data });
      let ready = false;
      worker.on('message', (message: FromEngineThread) => {
        if (message.type === 'ready') {
          ready = true;
          resolve(worker);
        } else if (message.type === 'log') {
          log[message.level](...(message.args as [object, string]));
        } else if (message.type === 'metrics') {
          waitingForMetrics.get(message.id)?.(message.metrics);
          waitingForMetrics.delete(message.id);
        }
      });
      worker.on('error', (error) => {
        if (!ready) reject(error);
        else log.error({ err: error }, 'the sync engine thread failed');
      });
      worker.on('exit', (code) => {
        for (const answer of waitingForMetrics.values()) answer([]);
        waitingForMetrics.clear();
        if (!ready) return reject(new Error(`the sync engine thread exited (${code}) before it ran`));
        if (stopping) return;
        log.error({ code }, 'the sync engine thread stopped; starting it again');
        setTimeout(() => {
          if (stopping) return;
          spawn().then(
            (next) => (thread = next),
            (error: unknown) => log.error({ err: error }, 'the sync engine thread could not start again'),
          );
        }, RESTART_DELAY_MS).unref();
      });
    });
  }

  const send = (message: ToEngineThread) => thread.postMessage(message);
  return {
    wake: () => send({ type: 'wake' }),
    metrics: () =>
      new Promise((resolve) => {
        const id = nextMetricsId++;
        waitingForMetrics.set(id, resolve);
        send({ type: 'metrics', id });
      }),
    async stop() {
      stopping = true;
      const stopped = new Promise<void>((resolve) => {
        const onMessage = (message: FromEngineThread) => {
          if (message.type === 'stopped') resolve();
        };
        thread.on('message', onMessage);
        thread.once('exit', () => resolve());
      });
      send({ type: 'stop' });
      await stopped; // deliveries in flight are recorded first (the worker's stop)
      await thread.terminate();
    },
  };
}
