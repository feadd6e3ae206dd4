import { randomBytes } from 'node:crypto';
import { createAuth } from '../../apps/server/src/auth/better-auth.js';
import { loadConfig, type Config } from '../../apps/server/src/config.js';
import { limitHeapGrowth } from '../../apps/server/src/heap-growth.js';
import { buildApp, type App } from '../../apps/server/src/http/app.js';
import { writtenLinesFor } from '../../apps/server/src/live/index.js';
import { deriveKeys, type Keys } from '../../apps/server/src/secret-key.js';
import { startServiceEngine } from '../../apps/server/src/sync/engine/service-engine.js';
import type { SyncQueue } from '../../apps/server/src/sync/jobs/sync-jobs.service.js';
import type { BenchDatabase } from './databases.js';

export interface BenchApp {
  app: App;
  keys: Keys;
  /** The sync engine's queue (the live figures enqueue a job once their streams are open). */
  queue: SyncQueue;
  /** The arguments of every error the engine logged (a healthy run has none). */
  errors: unknown[];
  close(): Promise<void>;
}

/**
 * The real service in this process, wired as main.ts wires it (sync engine with its production defaults, on
 * PostgreSQL in a worker thread of this process unless SYNC_THREAD=false: 64 connections per origin, the real
 * quick-retry schedule, LISTEN/NOTIFY for the live streams). Requests go through `app.inject`, except the live
 * figures' event streams (live-latency.ts listens on a port). The only change to the defaults: the receiver's
 * origin passes the SSRF guard.
 */
export async function startBenchApp(
  bench: BenchDatabase,
  receiverOrigin: string,
  options: {
    /** false: no worker in this process (the scale-out figure runs `datasync worker` processes instead). */
    worker?: boolean;
    /** The SECRET_KEY the keys derive from; other processes given the same one can open the sites' secrets. */
    secretKey?: string;
  } = {},
): Promise<BenchApp> {
  const { database } = bench;
  const secretKey = options.secretKey ?? randomBytes(32).toString('base64url');
  const config: Config = {
    ...loadConfig({
      NODE_ENV: 'production',
      PUBLIC_URL: 'http://datasync.bench',
      LOGIN_RATE_LIMIT: '1000',
      // The figures seed several organizations in one database, each by its own sign-up.
      SIGNUP: 'open',
      ...(bench.url ? { DATABASE_URL: bench.url, SECRET_KEY: secretKey } : {}),
      ...(process.env.SYNC_THREAD ? { SYNC_THREAD: process.env.SYNC_THREAD } : {}),
      ...(process.env.HEAP_GROWING_PERCENT ? { HEAP_GROWING_PERCENT: process.env.HEAP_GROWING_PERCENT } : {}),
    }),
    allowedDestinationOrigins: [receiverOrigin],
  };
  // As `datasync serve` does before it starts (process-wide: this process is the service being measured).
  limitHeapGrowth(config.heapGrowingPercent);
  const keys = deriveKeys(secretKey);
  const errors: unknown[] = [];
  const log = {
    info: () => {},
    warn: () => {},
    // Kept for the run's notes (grouped by message); printed here only by their first line, the first few.
    error: (...args: unknown[]) => {
      errors.push(args);
      if (errors.length <= 3) {
        const first = args[0] as { err?: { message?: string } } | undefined;
        const message = String(first?.err?.message ?? args.at(-1)).split('\n')[0];
        console.error(`[engine error] ${String(args.at(-1))}: ${message}`);
      }
    },
  };
  const engine = await startServiceEngine(database, {
    config,
    encryptionKey: keys.encryption,
    log,
    worker: options.worker,
  });
  const auth = createAuth({
    db: database.db,
    secret: keys.auth,
    publicUrl: config.publicUrl,
    secureCookies: false,
  });
  const app = await buildApp({
    config,
    db: database.db,
    auth,
    keys,
    queue: engine.queue,
    metrics: engine.metrics,
    listen: database.listen,
    executeSql: database.executeSql,
    writtenLines: writtenLinesFor(database, options.worker !== false),
  });
  await app.ready();
  return {
    app,
    keys,
    queue: engine.queue,
    errors,
    close: async () => {
      await app.close();
      await engine.stop();
    },
  };
}
