import { sql } from 'drizzle-orm';
import { isConnectionError } from '../db/errors.js';
import type { AppDb } from '../db/types.js';

/**
 * Past this a check counts as failed: node-postgres waits for a connection (up to its connect timeout), and a load
 * balancer is better told at once than left to time out itself.
 */
const CHECK_TIMEOUT_MS = 3_000;

/** Whether the database answers a trivial query in time; errors other than an unreachable database propagate. */
export async function databaseHealth(db: AppDb): Promise<'ok' | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'unreachable'>((resolve) => {
    timer = setTimeout(() => resolve('unreachable'), CHECK_TIMEOUT_MS);
  });
  const check = db.execute(sql`SELECT 1`).then(
    () => 'ok' as const,
    (error: unknown) => {
      if (isConnectionError(error)) return 'unreachable' as const;
      throw error;
    },
  );
  try {
    return await Promise.race([check, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
