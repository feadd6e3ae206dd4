import PgBoss from 'pg-boss';
import { APP_ROLE } from '../db/tenant.js';
import type { Database, Tx } from '../db/types.js';

/** The queues of the engine; every process creates them at start. */
export const QUEUES = {
  /** Plan a sync job: one delivery per site. */
  plan: 'sync-plan',
  /** Send a chunk of a plan's deliveries, or one delivery's durable retry. */
  deliver: 'sync-deliver',
  /** Send one alert to one channel (alerts/), apart from deliveries so that alerts never slow them down. */
  alerts: 'alert-send',
  /** Delete the sync history older than RETENTION_DAYS (retention/), sent by pg-boss's cron. */
  retention: 'retention-prune',
} as const;

export const QUEUE_SCHEMA = 'pgboss';

/**
 * pg-boss 10 (the newest release that declares Node 20 support; decision 006) on our own database connection,
 * PGlite or PostgreSQL alike. Its tables live in their own schema; the app role may add jobs, so a job is enqueued
 * in the same transaction as the rows it is about (see `transactionExecutor`).
 */
export async function startJobQueue(
  database: Database,
  onError: (error: Error) => void,
  options: {
    /**
     * Run pg-boss's scheduler (cron): where workers run. Each such process checks the schedules every 30 s; pg-boss
     * lets one check per 30 s through (a timestamp in its version row) and sends one job per schedule and minute
     * (a singleton key), so several processes send each scheduled job once.
     */
    schedule?: boolean;
  } = {},
): Promise<PgBoss> {
  // Processes starting together on a fresh database race to create pg-boss's schema and queues, and concurrent
  // GRANTs collide ("tuple concurrently updated"): the loser waits a moment and tries again; all of it is idempotent.
  for (let attempt = 1; ; attempt += 1) {
    const boss = new PgBoss({
      db: { executeSql: (text, values) => database.executeSql(text, values) as Promise<{ rows: never[] }> },
      schema: QUEUE_SCHEMA,
      // Maintenance (expiry, archiving) runs in every process, guarded by pg-boss's own locks. Its defaults are
      // kept: completed and failed jobs move to the archive after 12 hours, archived ones are deleted after 7 days.
      schedule: options.schedule ?? false,
      // Expiry hands a dead worker's jobs to another; checked every 30 s rather than pg-boss's default 2 min, so a
      // crash costs at most the job's expireInSeconds plus 30 s.
      maintenanceIntervalSeconds: 30,
    });
    boss.on('error', onError);
    try {
      await boss.start();
      for (const name of Object.values(QUEUES)) {
        if (!(await boss.getQueue(name))) await boss.createQueue(name).catch(ignoreIfCreatedConcurrently);
      }
      await database.exec(
        `GRANT USAGE ON SCHEMA ${QUEUE_SCHEMA} TO ${APP_ROLE};
         GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA ${QUEUE_SCHEMA} TO ${APP_ROLE};`,
      );
      return boss;
    } catch (error) {
      await boss.stop({ graceful: false, wait: true }).catch(() => {});
      if (attempt >= 5 || !isStartRace(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
    }
  }
}

function isStartRace(error: unknown): boolean {
  return /duplicate key|already exists|deadlock detected|tuple concurrently updated/i.test(
    String((error as Error)?.message),
  );
}

function ignoreIfCreatedConcurrently(error: unknown): void {
  if (!/already exists|duplicate/i.test(String((error as Error)?.message))) throw error;
}

interface DriverClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * The driver connection under a Drizzle transaction (node-postgres PoolClient or PGlite Transaction; both have
 * `query(text, values)`). pg-boss's SQL reuses a placeholder with different casts ($5 as text and as timestamptz),
 * which only works when PostgreSQL sees one parameter, so its text must reach the driver unchanged. Drizzle keeps
 * that client on `session.client`; job-queue.int.test.ts checks it on both drivers.
 */
function driverClientOf(tx: Tx): DriverClient {
  const client = (tx as unknown as { session?: { client?: Partial<DriverClient> } }).session?.client;
  if (typeof client?.query !== 'function')
    throw new Error('This Drizzle transaction exposes no driver client.');
  return client as DriverClient;
}

/**
 * A pg-boss executor that runs inside our transaction: `boss.send(name, data, { db: transactionExecutor(tx) })`
 * commits or rolls back with the rows written in `tx`, so a job row and its queue entry cannot disagree.
 */
export function transactionExecutor(tx: Tx): PgBoss.Db {
  return {
    executeSql: async (text, values) => {
      const { rows } = await driverClientOf(tx).query(text, values);
      return { rows: rows as never[] };
    },
  };
}
