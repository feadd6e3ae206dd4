import PgBoss from 'pg-boss';
import { sql, type SQL } from 'drizzle-orm';
import { APP_ROLE } from '../db/tenant.js';
import type { Database, Tx } from '../db/types.js';

/** The queues the sync engine uses. */
export const QUEUES = {
  /** Plan a sync job: one delivery per site. */
  plan: 'sync-plan',
  /** Deliver one site's payload of one job (and its durable retries). */
  deliver: 'sync-deliver',
} as const;

export const QUEUE_SCHEMA = 'pgboss';

/**
 * pg-boss 10 (the newest release that declares Node 20 support; decision 006) on our own database connection,
 * PGlite or PostgreSQL alike. Its tables live in their own schema; the app role may add jobs, so a job is enqueued
 * in the same transaction as the rows it is about (see `transactionExecutor`).
 */
export async function startJobQueue(database: Database, onError: (error: Error) => void): Promise<PgBoss> {
  const boss = new PgBoss({
    db: { executeSql: (text, values) => database.executeSql(text, values) as Promise<{ rows: never[] }> },
    schema: QUEUE_SCHEMA,
    // No cron schedules; maintenance (expiry, archiving) runs in every process, guarded by pg-boss's own locks.
    schedule: false,
  });
  boss.on('error', onError);
  await boss.start();
  for (const name of Object.values(QUEUES)) {
    if (!(await boss.getQueue(name))) await boss.createQueue(name).catch(ignoreIfCreatedConcurrently);
  }
  await database.exec(
    `GRANT USAGE ON SCHEMA ${QUEUE_SCHEMA} TO ${APP_ROLE};
     GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA ${QUEUE_SCHEMA} TO ${APP_ROLE};`,
  );
  return boss;
}

function ignoreIfCreatedConcurrently(error: unknown): void {
  if (!/already exists|duplicate/i.test(String((error as Error)?.message))) throw error;
}

/** pg-boss's `$1…` placeholders as Drizzle SQL with bound parameters. */
function toDrizzleSql(text: string, values: unknown[] = []): SQL {
  const chunks: SQL[] = [];
  let last = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    chunks.push(sql.raw(text.slice(last, match.index)));
    // Drizzle drops `undefined` from a template, so absent options are bound as NULL; objects travel as JSON
    // text (pg-boss casts its parameters where a type matters).
    const value = values[Number(match[1]) - 1] ?? null;
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    chunks.push(sql`${isObject ? JSON.stringify(value) : value}`);
    last = match.index + match[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks);
}

/**
 * A pg-boss executor that runs inside our transaction: `boss.send(name, data, { db: transactionExecutor(tx) })`
 * commits or rolls back with the rows written in `tx`, so a job row and its queue entry cannot disagree.
 */
export function transactionExecutor(tx: Tx): PgBoss.Db {
  return {
    executeSql: async (text, values) => {
      const result = (await tx.execute(toDrizzleSql(text, values))) as unknown as { rows: unknown[] };
      return { rows: result.rows };
    },
  };
}
