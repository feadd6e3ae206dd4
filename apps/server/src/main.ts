import { createAuth } from './auth/better-auth.js';
import type { Config } from './config.js';
import { openDataDir } from './data-dir.js';
import { openDatabase } from './db/open.js';
import { startDemoLanding, type LandingOptions, type RunningLanding } from './demo/demo-landing-server.js';
import { buildApp } from './http/app.js';
import { isHttps, warnIfPlainHttp } from './http/transport-security.js';
import { writtenLinesFor } from './live/index.js';
import { createLogger } from './logger.js';
import { deriveKeys, resolveSecretKey } from './secret-key.js';
import { startSyncEngine, type SyncEngine } from './sync/engine/engine.js';
import { startServiceEngine } from './sync/engine/service-engine.js';

export interface RunningServer {
  url: string;
  /** The demo landing pages' address, when they run in this process. */
  landingUrl?: string;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Run the demo landing pages in this process, on LANDING_PORT; undefined = not at all. */
  landing?: LandingOptions;
}

/**
 * Wiring only: config → keys → database (migrated) → queue + sync worker → landing pages → auth → app → listen.
 * The landing pages start after the database, whose lock tells a second process on the same data folder to stop.
 */
export async function startServer(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  const logger = createLogger(config);
  warnIfPlainHttp(config, logger);
  // With PostgreSQL, DATA_DIR holds only the landing pages' files, when they use the default folder.
  if (!config.databaseUrl || (options.landing && !options.landing.dataDir))
    await openDataDir(config.dataDir, logger);
  const keys = deriveKeys(await resolveSecretKey(config));
  const database = await openDatabase(config, logger);
  let engine: SyncEngine | undefined;
  let landing: RunningLanding | undefined;
  try {
    await database.migrate();
    engine = await startServiceEngine(database, { config, encryptionKey: keys.encryption, log: logger });
    if (options.landing) landing = await startDemoLanding(config, options.landing, logger);
    const auth = createAuth({
      db: database.db,
      secret: keys.auth,
      publicUrl: config.publicUrl,
      secureCookies: isHttps(config.publicUrl),
      logger,
    });
    const app = await buildApp(
      {
        config,
        db: database.db,
        auth,
        keys,
        queue: engine.queue,
        metrics: engine.metrics,
        listen: database.listen,
        executeSql: database.executeSql,
        writtenLines: writtenLinesFor(database),
        demoLanding: landing?.demo,
      },
      { logger },
    );
    const url = await app.listen({ port: config.port, host: config.host });
    logger.info(
      { url, database: database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL' },
      'DataSync is listening',
    );
    if (landing) logger.info({ url: landing.server.url }, 'Demo landing pages are listening');
    return {
      url,
      landingUrl: landing?.server.url,
      // In-flight requests finish, then the database closes (releasing the data-folder lock).
      stop: async () => {
        await app.close();
        await engine!.stop(); // deliveries in flight to the landing pages finish first
        await landing?.server.close();
        await database.close();
      },
    };
  } catch (error) {
    await engine?.stop();
    await landing?.server.close();
    await database.close();
    throw error;
  }
}

/**
 * A sync worker without the API (`datasync worker`): against a shared PostgreSQL, N of them on N machines share the
 * queue, each delivery handed to one worker at a time.
 */
export async function startWorker(config: Config): Promise<{ stop(): Promise<void> }> {
  const logger = createLogger(config);
  if (!config.databaseUrl) await openDataDir(config.dataDir, logger);
  const keys = deriveKeys(await resolveSecretKey(config));
  const database = await openDatabase(config, logger);
  try {
    await database.migrate();
    // On the main thread: in a process without the API nothing competes with it there, and a thread of its own
    // gave no measurable gain (4,700 deliveries/s, against 4,648/s without it an hour earlier) for ~110 MB more
    // RSS (decision 013).
    const engine = await startSyncEngine(database, { config, encryptionKey: keys.encryption, log: logger });
    logger.info({ database: database.kind }, 'DataSync worker is running');
    return {
      stop: async () => {
        await engine.stop();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
