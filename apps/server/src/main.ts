import { createAuth } from './auth/better-auth.js';
import type { Config } from './config.js';
import { openDatabase } from './db/open.js';
import { buildApp } from './http/app.js';
import { createLogger } from './logger.js';
import { deriveKeys, resolveSecretKey } from './secret-key.js';
import { startSyncEngine, type SyncEngine } from './sync/engine.js';

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** Wiring only: config → keys → database (migrated) → queue + sync worker → auth → app → listen. */
export async function startServer(config: Config): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const keys = deriveKeys(await resolveSecretKey(config));
  const database = await openDatabase(config);
  let engine: SyncEngine | undefined;
  try {
    await database.migrate();
    engine = await startSyncEngine(database, { config, encryptionKey: keys.encryption, log: logger });
    const auth = createAuth({
      db: database.db,
      secret: keys.auth,
      publicUrl: config.publicUrl,
      secureCookies: config.publicUrl.startsWith('https://'),
      logger,
    });
    const app = await buildApp(
      { config, db: database.db, auth, keys, queue: engine.queue, metrics: engine.metrics },
      { logger },
    );
    const url = await app.listen({ port: config.port, host: config.host });
    logger.info(
      { url, database: database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL' },
      'DataSync is listening',
    );
    return {
      url,
      // In-flight requests finish, then the database closes (releasing the data-folder lock).
      stop: async () => {
        await app.close();
        await engine!.stop();
        await database.close();
      },
    };
  } catch (error) {
    await engine?.stop();
    await database.close();
    throw error;
  }
}

/**
 * A sync worker without the API (`datasync worker`): against a shared PostgreSQL, N of them on N machines share the
 * queue, each delivery handed to one worker at a time.
 */
export async function startWorker(config: Config): Promise<{ stop(): Promise<void> }> {
  const logger = createLogger(config.logLevel);
  const keys = deriveKeys(await resolveSecretKey(config));
  const database = await openDatabase(config);
  try {
    await database.migrate();
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
