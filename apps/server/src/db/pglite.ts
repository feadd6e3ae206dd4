import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { removeGroupAndOtherAccess } from '../data-dir.js';
import * as schema from './schema/index.js';
import { lockDataDir } from './data-dir-lock.js';
import { MIGRATIONS_FOLDER } from './migrations-folder.js';
import { yieldBetweenQueries } from './pglite-turns.js';
import type { AppDb, Database } from './types.js';

export interface PgliteOptions {
  /** Undefined = in memory (tests). */
  dataDir?: string;
  /** An in-memory database starts as a copy of this `dumpDataDir()` tarball (tests start from a migrated one). */
  loadDataDir?: Blob;
  /** Told when the data folder's lock is taken over from a process that died. */
  log?: { warn(fields: object, message: string): void };
}

/**
 * The embedded database. PGlite serializes everything on one connection; Drizzle opens transactions through
 * PGlite.transaction(), which keeps other code paths out of them.
 */
export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  let releaseLock: (() => Promise<void>) | undefined;
  let client: PGlite;
  if (options.dataDir) {
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    releaseLock = await lockDataDir(options.dataDir, options.log);
    client = await PGlite.create(join(options.dataDir, 'pglite'));
    // A new database's files come out of PGlite's initdb as 0666, whatever the umask; postgres itself creates
    // later ones 0600.
    await removeGroupAndOtherAccess(join(options.dataDir, 'pglite'));
  } else {
    client = await PGlite.create(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {});
  }
  yieldBetweenQueries(client);
  const db = drizzle({ client, schema }) as unknown as AppDb;
  return {
    kind: 'pglite',
    db,
    exec: async (sqlText) => {
      await client.exec(sqlText);
    },
    executeSql: async (text, values) => {
      if (values && values.length > 0) return client.query(text, values);
      const results = await client.exec(text);
      return { rows: results.at(-1)?.rows ?? [] };
    },
    // In-process: notifications arrive with the results of the committing statement; there is no connection to
    // lose, so onReconnect never runs.
    listen: async (channel, onNotify) => {
      const stop = await client.listen(channel, onNotify);
      return () => stop();
    },
    migrate: () => migrate(drizzle({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER }),
    close: async () => {
      await client.close();
      await releaseLock?.();
    },
  };
}
