import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPglite } from '../../apps/server/src/db/pglite.js';
import { openPostgres } from '../../apps/server/src/db/postgres.js';
import type { Database } from '../../apps/server/src/db/types.js';
import { LOG_CHANNEL, parseNotice } from '../../apps/server/src/live/notification-hub.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface BenchDatabase {
  kind: DatabaseKind;
  /** Shown in the output: which database, and its server version. */
  label: string;
  version: string;
  database: Database;
  /** The connection string of the benchmark's database (PostgreSQL only), for other processes. */
  url?: string;
  /**
   * Read-only queries of the bench itself (watching a job), as the connection role. On PostgreSQL a connection of
   * its own, so watching neither takes a connection from the service's pool nor waits for one; PGlite has only one.
   */
  observe(text: string, values?: unknown[]): Promise<unknown[]>;
  /**
   * PostgreSQL only: calls `onChange` whenever a transaction that changed the job's status commits (the engine
   * writes a status line in that transaction, and its NOTIFY on the live channel says so), on the observer's
   * connection. Lets the bench read the job when it changes instead of polling it: a 2 ms poll cost ~6 % of the
   * machine's CPU during a sync (20 ms polling measured 4,737 / 4,751 against 4,437 / 4,523 deliveries/s).
   */
  watchJobStatus?(jobId: string, onChange: () => void): Promise<() => Promise<void>>;
  /** Closes the connections; on PostgreSQL also drops the benchmark's database. */
  close(): Promise<void>;
}

/** The PostgreSQL server to benchmark on, if any: BENCH_DATABASE_URL, else DATABASE_URL. */
export function postgresServerUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

async function serverVersion(database: Database): Promise<string> {
  const { rows } = await database.executeSql('SHOW server_version');
  return (rows[0] as { server_version: string }).server_version;
}

/** In-memory PGlite, created and migrated as the tests do (the embedded default, minus the disk). */
export async function openBenchPglite(): Promise<BenchDatabase> {
  const database = await openPglite();
  await database.migrate();
  const version = await serverVersion(database);
  return {
    kind: 'pglite',
    label: 'PGlite',
    version,
    database,
    observe: async (text, values) => (await database.executeSql(text, values)).rows,
    close: () => database.close(),
  };
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery(serverUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh database `bench_<random>` on the server, migrated; dropped (WITH (FORCE)) by close(). */
export async function openBenchPostgres(serverUrl: string): Promise<BenchDatabase> {
  const name = `bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const drop = () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  // Ctrl-C mid-run still drops the database.
  const onSignal = (signal: NodeJS.Signals) => {
    void drop().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const forget = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  try {
    // The production pool size (openPostgres' default), as `npm start` would use.
    const database = await openPostgres(withDatabaseName(serverUrl, name));
    await database.migrate();
    const version = await serverVersion(database);
    const observer = new pg.Client({ connectionString: withDatabaseName(serverUrl, name) });
    await observer.connect();
    return {
      kind: 'postgres',
      label: 'PostgreSQL',
      version,
      database,
      url: withDatabaseName(serverUrl, name),
      observe: async (text, values) => (await observer.query(text, values)).rows,
      watchJobStatus: async (jobId, onChange) => {
        // The live streams' own reading of the payload (notification-hub.ts).
        const onNotification = (message: pg.Notification) => {
          const notice = parseNotice(message.payload ?? '');
          if (notice?.jobId === jobId && notice.jobStatus) onChange();
        };
        observer.on('notification', onNotification);
        await observer.query(`LISTEN ${LOG_CHANNEL}`);
        return async () => {
          observer.off('notification', onNotification);
          await observer.query(`UNLISTEN ${LOG_CHANNEL}`);
        };
      },
      close: async () => {
        await observer.end().catch(() => {});
        await database.close().catch(() => {});
        await drop();
        forget();
      },
    };
  } catch (error) {
    await drop().catch(() => {});
    forget();
    throw error;
  }
}
