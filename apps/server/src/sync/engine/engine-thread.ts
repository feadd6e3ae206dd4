import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { EngineThreadData, FromEngineThread, ToEngineThread } from './engine-thread.protocol.js';

/**
 * The thread's entry module. Compiled (apps/server/dist, decision 014) it is the engine's own module; run from the
 * TypeScript sources it is a small .mjs that first registers tsx's loader in the new thread.
 */
const ENGINE_THREAD_ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./engine-thread.entry.mjs', import.meta.url)
  : new URL('./engine-thread.run.js', import.meta.url);

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
 * (decision 013). Its event loop and heap are its own: a big sync does not delay the API's requests and live
 * streams, and the engine runs outside the async-context tracking that the auth library turns on for every promise
 * of the thread it runs in (a hook per promise, a tenth of the engine's time). Resolves once the engine runs.
 */
export async function startEngineThread(options: {
  config: Config;
  encryptionKey: Buffer;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The thread's entry module (default engine-thread.entry.mjs). A test seam: a thread that dies on cue. */
  entry?: URL;
}): Promise<EngineThread> {
  const { log } = options;
  const data: EngineThreadData = { config: options.config, encryptionKey: options.encryptionKey };
  const waitingForMetrics = new Map<number, (metrics: unknown[]) => void>();
  let nextMetricsId = 1;
  let stopping = false;
  // The running thread; null between a thread's death and its replacement being ready.
  let thread: Worker | null = await spawn();
  let stopped: (() => void) | null = null;

  function spawn(): Promise<Worker> {
    return new Promise((resolve, reject) => {
      // Node's default heap limits: a young generation three times the default (192 MB against 48) measured no
      // faster here (4,643 against 4,657 deliveries/s) for 200 MB more RSS.
      const worker = new Worker(options.entry ?? ENGINE_THREAD_ENTRY, {
        workerData: data,
      });
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
        } else if (message.type === 'stopped') {
          stopped?.();
        }
      });
      worker.on('error', (error) => {
        if (!ready) reject(error);
        else log.error({ err: error }, 'the sync engine thread failed');
      });
      worker.on('exit', (code) => {
        if (!ready) return reject(new Error(`the sync engine thread exited (${code}) before it ran`));
        thread = null;
        for (const answer of waitingForMetrics.values()) answer([]);
        waitingForMetrics.clear();
        stopped?.();
        if (stopping) return;
        log.error({ code }, 'the sync engine thread stopped; starting it again');
        restartLater();
      });
    });
  }

  function restartLater(): void {
    setTimeout(() => {
      if (stopping) return;
      spawn().then(
        (next) => {
          if (stopping) void next.terminate();
          else thread = next;
        },
        (error: unknown) => {
          log.error({ err: error }, 'the sync engine thread could not start again; retrying');
          restartLater();
        },
      );
    }, RESTART_DELAY_MS).unref();
  }

  return {
    // While no thread runs, work waits for the next one (it polls the queue when it starts).
    wake: () => thread?.postMessage({ type: 'wake' } satisfies ToEngineThread),
    metrics: () =>
      new Promise((resolve) => {
        if (!thread) return resolve([]);
        const id = nextMetricsId++;
        waitingForMetrics.set(id, resolve);
        thread.postMessage({ type: 'metrics', id } satisfies ToEngineThread);
      }),
    async stop() {
      stopping = true;
      const running = thread;
      if (!running) return;
      // Deliveries in flight are recorded first (the worker's stop); the thread says so, or dies trying.
      await new Promise<void>((resolve) => {
        stopped = resolve;
        running.postMessage({ type: 'stop' } satisfies ToEngineThread);
      });
      await running.terminate();
    },
  };
}
