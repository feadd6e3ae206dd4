import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type * as schema from './schema/index.js';

export type Schema = typeof schema;
/** A Drizzle database on either driver (PGlite or node-postgres): code above db/ never knows which. */
export type AppDb = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export type Unlisten = () => Promise<void>;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: AppDb;
  /** Runs SQL text that may hold several statements (set-up, tests). Runs as the connection role. */
  exec(sqlText: string): Promise<void>;
  /**
   * Raw parameterized SQL as the connection role ($1… placeholders; without values the text may hold several
   * statements, run in one implicit transaction; the rows are the last statement's). For libraries that bring
   * their own SQL, such as the job queue, and for selectAsTenant (tenant.ts).
   */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /**
   * LISTEN on `channel`: `onNotify` gets each NOTIFY payload, after the notifying transaction committed. On
   * PostgreSQL a dedicated connection that reconnects when it drops; notifications sent while it was down are lost,
   * so `onReconnect` runs once it listens again, for the caller to re-read what it may have missed. Resolves once
   * listening; the returned function stops.
   */
  listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<Unlisten>;
  /** Applies pending migrations; safe to call from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
