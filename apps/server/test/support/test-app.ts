import { randomBytes } from 'node:crypto';
import { createAuth } from '../../src/auth/better-auth.js';
import type { AppDeps } from '../../src/app-deps.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/types.js';
import { buildApp, type App } from '../../src/http/app.js';
import { processLiveLines, writtenLinesFor } from '../../src/live/index.js';
import { deriveKeys } from '../../src/secret-key.js';
import { startSyncEngine } from '../../src/sync/engine/engine.js';
import type { SyncContext } from '../../src/sync/engine/sync-context.js';
import { openTestDatabase } from './test-database.js';

export interface TestApp {
  app: App;
  database: Database;
  deps: AppDeps;
  close(): Promise<void>;
}

export const TEST_PUBLIC_URL = 'http://datasync.test';

export interface TestAppOptions {
  /** Run a sync worker in this process (off by default: most tests only need the queue to accept jobs). */
  worker?: boolean;
  /** Delivery client settings, e.g. short timeouts and quick-retry delays for tests. */
  delivery?: Parameters<typeof startSyncEngine>[1]['delivery'];
  /** Use this database (the caller opened it and closes it) instead of a fresh one. */
  database?: Database;
  /** Derive the keys from this SECRET_KEY (shared with `datasync` child processes) instead of a random one. */
  secretKey?: string;
  /** Most sites a plan commits per transaction (the worker's default otherwise). */
  planChunkSites?: number;
  /** Sites of a plan's first transaction (the worker's default otherwise, at most planChunkSites). */
  planFirstChunkSites?: number;
  /** Failed-login counting with a clock of the test's own. */
  loginThrottle?: AppDeps['loginThrottle'];
  /** Demo landing pages for the demo to point its sites at and hand their secrets to (as `datasync serve` does). */
  demoLanding?: AppDeps['demoLanding'];
  /** The alert sender's settings, when `worker` runs it. */
  alerts?: Parameters<typeof startSyncEngine>[1]['alerts'];
}

const silentLog = { info: () => {}, warn: () => {}, error: (...args: unknown[]) => console.error(...args) };

/**
 * The real app on a fresh test database; `configOverrides` changes single settings (e.g. the login limit). Sign-up
 * is open: most tests create several organizations, each by its own sign-up.
 */
export async function createTestApp(
  configOverrides: Partial<Config> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const database = options.database ?? (await openTestDatabase());
  const config: Config = {
    ...loadConfig({
      NODE_ENV: 'test',
      PUBLIC_URL: TEST_PUBLIC_URL,
      LOGIN_RATE_LIMIT: '1000',
      SIGNUP: 'open',
    }),
    ...configOverrides,
  };
  const keys = deriveKeys(options.secretKey ?? randomBytes(32).toString('base64url'));
  const auth = createAuth({
    db: database.db,
    secret: keys.auth,
    publicUrl: config.publicUrl,
    secureCookies: false,
  });
  const engine = await startSyncEngine(database, {
    config,
    encryptionKey: keys.encryption,
    log: silentLog,
    worker: options.worker ?? false,
    workerOptions: {
      pollMs: 100,
      planChunkSites: options.planChunkSites,
      planFirstChunkSites: options.planFirstChunkSites,
    },
    delivery: options.delivery,
    alerts: options.alerts,
  });
  const deps: AppDeps = {
    config,
    db: database.db,
    auth,
    keys,
    queue: engine.queue,
    metrics: engine.metrics,
    listen: database.listen,
    executeSql: database.executeSql,
    writtenLines: writtenLinesFor(database, options.worker ?? false),
    demoLanding: options.demoLanding,
    loginThrottle: options.loginThrottle,
  };
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    database,
    deps,
    close: async () => {
      await app.close();
      await engine.stop();
      if (!options.database) await database.close();
    },
  };
}

/**
 * A sync context on the test app's database and queue for calling the plan and recovery steps directly, without a
 * worker: it has no delivery client, and `wake` is the test's own.
 */
export function planningContext(t: TestApp, wake: SyncContext['wake'] = () => {}): SyncContext {
  return {
    db: t.database.db,
    boss: t.deps.queue.boss,
    encryptionKey: Buffer.alloc(32),
    delivery: undefined as never,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    metrics: t.deps.metrics,
    retryScheduleMs: t.deps.config.retryScheduleMs,
    liveLines: processLiveLines,
    wake,
  };
}
