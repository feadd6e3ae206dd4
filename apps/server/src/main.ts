import { createAuth } from './auth/better-auth.js';
import type { Config } from './config.js';
import { openDatabase } from './db/open.js';
import { buildApp } from './http/app.js';
import { createLogger } from './logger.js';
import { deriveKeys, resolveSecretKey } from './secret-key.js';

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** Wiring only: config → keys → database (migrated) → auth → app → listen. */
export async function startServer(config: Config): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const keys = deriveKeys(await resolveSecretKey(config));
  const database = await openDatabase(config);
  try {
    await database.migrate();
    const auth = createAuth({
      db: database.db,
      secret: keys.auth,
      publicUrl: config.publicUrl,
      secureCookies: config.publicUrl.startsWith('https://'),
      logger,
    });
    const app = await buildApp({ config, db: database.db, auth, keys }, { logger });
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
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
