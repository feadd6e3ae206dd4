import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/types.js';
import type { WorkKind } from './queue-jobs.js';
import { WORK_CHANNEL } from './work-signal.js';

/** Tells the workers of every process that `work` was queued, when the transaction commits (work-signal.ts). */
export async function announceWork(tx: Tx, work: WorkKind): Promise<void> {
  await tx.execute(sql`SELECT pg_notify(${WORK_CHANNEL}, ${work})`);
}
