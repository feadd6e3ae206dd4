import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import * as schema from './schema/index.js';
import { MIGRATIONS_FOLDER } from './migrations-folder.js';
import { listenOnConnection } from './pg-listener.js';
import type { AppDb, Database, Unlisten } from './types.js';

// An arbitrary constant: every DataSync process migrating the same database queues on this advisory lock.
const MIGRATION_LOCK_KEY = 7_246_913;
const CONNECT_TIMEOUT_MS = 10_000;

export async function openPostgres(connectionString: string, poolSize = 10): Promise<Database> {
  // Bounded: with the server unreachable (not refusing: a dropped network, a host that is gone) a connect would
  // otherwise wait forever, and so would the request behind it. Also bounds the wait for a free pooled client.
  const pool = new pg.Pool({ connectionString, max: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // Idle clients can error (server restart); without a listener that would crash the process.
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema });
  // Closed with the database: a listener left running would keep reconnecting to a database that is gone.
  const listeners = new Set<Unlisten>();
  return {
    kind: 'postgres',
    db: db as unknown as AppDb,
    exec: async (sqlText) => {
      await pool.query(sqlText);
    },
    executeSql: async (text, values) => {
      // Several statements (no values) answer with one result each: the last one's rows, as on PGlite.
      const result = (await pool.query(text, values)) as pg.QueryResult | pg.QueryResult[];
      return Array.isArray(result) ? result.at(-1)! : result;
    },
    // Not from the pool: a LISTEN lives as long as its connection, and a pooled one would be handed to others.
    listen: async (channel, onNotify, onReconnect) => {
      const stop = await listenOnConnection({ connectionString, channel, onNotify, onReconnect });
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    migrate: async () => {
      const lockClient = await pool.connect();
      try {
        await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        // On the locked connection itself: a pool of one would otherwise wait for itself.
        await migrate(drizzle({ client: lockClient, schema }), { migrationsFolder: MIGRATIONS_FOLDER });
      } finally {
        await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
        lockClient.release();
      }
    },
    close: async () => {
      await Promise.all([...listeners].map((stop) => stop()));
      await pool.end();
    },
  };
}
