import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';
import type { Database } from '../../src/db/types.js';

export type TestDatabaseKind = 'pglite' | 'postgres';

/** Which database this test project runs against (set per project in vitest.config.ts). */
export function testDatabaseKind(): TestDatabaseKind {
  return process.env.TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A test database; on PostgreSQL also its connection URL, for other processes (the `datasync` CLI) to share it. */
export type TestDatabase = Database & { readonly url?: string };

/**
 * A fresh, migrated database of its own for one test file: PGlite in memory loaded from the migrated dump, or a
 * PostgreSQL database copied from the migrated template. `close()` also drops the PostgreSQL database.
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind() === 'pglite') {
    const dump = await readFile(inject('pgliteDumpPath'));
    return openPglite({ loadDataDir: new Blob([dump]) });
  }
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DB=postgres needs TEST_DATABASE_URL');
  const name = `${inject('postgresRunPrefix')}${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${inject('postgresTemplate')}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(serverUrl, name);
  const database = await openPostgres(url, 5);
  return {
    ...database,
    url,
    close: async () => {
      await database.close();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
}
