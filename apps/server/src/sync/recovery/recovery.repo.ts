import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/rows-of.js';
import { uuidArray } from '../../db/sql-arrays.js';
import type { AppDb, Tx } from '../../db/types.js';
import { QUEUE_SCHEMA, QUEUES } from '../../queue/job-queue.js';

// sync_workers is operational state, not a tenant's: these statements run on the connection role (database.db
// outside withTenant), as pg-boss's own do. Only the deliveries look-up runs inside a tenant transaction.

const JOB = sql.raw(`${QUEUE_SCHEMA}.job`);
const JOB_STATE = sql.raw(`${QUEUE_SCHEMA}.job_state`);
const millis = (ms: number) => sql`(${Math.round(ms)}::int * interval '1 millisecond')`;

export interface WorkerPresence {
  id: string;
  host: string;
  pid: number;
  heldJobIds: readonly string[];
}

/** Registers the worker, or says it is alive, with the queue jobs it holds now. */
export async function recordHeartbeat(db: AppDb, worker: WorkerPresence): Promise<void> {
  await db.execute(sql`
    INSERT INTO sync_workers (id, host, pid, held_job_ids)
    VALUES (${worker.id}, ${worker.host}, ${worker.pid}, ${uuidArray(worker.heldJobIds)})
    ON CONFLICT (id) DO UPDATE SET last_seen_at = now(), held_job_ids = excluded.held_job_ids`);
}

export async function removeWorker(db: AppDb, id: string): Promise<void> {
  await db.execute(sql`DELETE FROM sync_workers WHERE id = ${id}`);
}

/** Forgets workers silent for longer than `silentMs`: their jobs were handed back long ago. */
export async function forgetSilentWorkers(db: AppDb, silentMs: number): Promise<void> {
  await db.execute(sql`DELETE FROM sync_workers WHERE last_seen_at < now() - ${millis(silentMs)}`);
}

export interface HandedBackJob {
  id: string;
  queue: string;
  data: Record<string, unknown>;
  /** `retry`: handed out again now; `failed`: it had used up its retries. */
  state: 'retry' | 'failed';
  retryLimit: number;
  /** The (silent) worker that listed it last, if any did. */
  host: string | null;
  pid: number | null;
  lastSeenAt: string | null;
}

/**
 * Hands back the active jobs of our queues that no live worker holds, as pg-boss's expiry does (plans.js
 * failJobs) but due now: `retry` with `start_after = now()`, or `failed` once `retry_count` reached `retry_limit`
 * (so a job that kills every worker cannot loop); `started_on` is kept, pg-boss's fetch counts the retry from it.
 *
 * `mode: 'all'` takes every active job (an embedded database, whose one process just started). Otherwise a job is
 * orphaned when no worker seen within `staleAfterMs` lists it and every such worker has reported since the job
 * started, `marginMs` ago or more (the margin covers a fetch that committed while its worker was reporting).
 * One statement with `state = 'active'` in the UPDATE's WHERE: two sweepers at once hand a job back once.
 */
export async function handBackOrphans(
  tx: Tx,
  options: { mode: 'all' } | { mode: 'orphans'; staleAfterMs: number; marginMs: number },
): Promise<HandedBackJob[]> {
  const orphaned =
    options.mode === 'all'
      ? sql`true`
      : sql`j.started_on < (SELECT min(last_seen_at) FROM fresh) - ${millis(options.marginMs)}
          AND NOT EXISTS (SELECT 1 FROM fresh f WHERE j.id = ANY (f.held_job_ids))`;
  const staleAfter = millis(options.mode === 'all' ? 0 : options.staleAfterMs);
  const rows = await rowsOf<{
    id: string;
    name: string;
    data: Record<string, unknown>;
    state: 'retry' | 'failed';
    retry_limit: number;
    host: string | null;
    pid: number | null;
    last_seen_at: Date | string | null;
  }>(
    tx,
    sql`
    WITH fresh AS (
      SELECT last_seen_at, held_job_ids FROM sync_workers WHERE last_seen_at > now() - ${staleAfter}
    ), orphan AS (
      SELECT j.name, j.id FROM ${JOB} j
       WHERE j.name IN (${QUEUES.plan}, ${QUEUES.deliver}) AND j.state = 'active' AND ${orphaned}
    ), handed AS (
      UPDATE ${JOB} j SET
        state = (CASE WHEN j.retry_count < j.retry_limit THEN 'retry' ELSE 'failed' END)::${JOB_STATE},
        start_after = CASE WHEN j.retry_count < j.retry_limit THEN now() ELSE j.start_after END,
        completed_on = CASE WHEN j.retry_count < j.retry_limit THEN NULL ELSE now() END,
        output = '{"value":{"message":"handed back: the worker holding it stopped"}}'::jsonb
        FROM orphan o
       WHERE j.name = o.name AND j.id = o.id AND j.state = 'active'
      RETURNING j.id, j.name, j.data, j.state, j.retry_limit
    )
    SELECT h.id, h.name, h.data, h.state::text AS state, h.retry_limit, w.host, w.pid, w.last_seen_at
      FROM handed h
      LEFT JOIN LATERAL (
        SELECT host, pid, last_seen_at FROM sync_workers w
         WHERE h.id = ANY (w.held_job_ids) ORDER BY last_seen_at DESC LIMIT 1
      ) w ON true`,
  );
  return rows.map((row) => ({
    id: row.id,
    queue: row.name,
    data: row.data,
    state: row.state,
    retryLimit: row.retry_limit,
    host: row.host,
    pid: row.pid,
    lastSeenAt: row.last_seen_at === null ? null : new Date(row.last_seen_at).toISOString(),
  }));
}

/**
 * Per sync job, how many of `deliveryIds` are still unfinished (inside the organization's tenant transaction). A
 * site's own sends belong to no job, so no job's log tells of them.
 */
export async function unfinishedDeliveriesByJob(
  tx: Tx,
  deliveryIds: readonly string[],
): Promise<{ jobId: string; count: number }[]> {
  const rows = await rowsOf<{ job_id: string; n: number }>(
    tx,
    sql`SELECT job_id, count(*)::int AS n FROM deliveries
         WHERE id = ANY (${uuidArray(deliveryIds)}) AND status IN ('pending', 'in_progress')
           AND job_id IS NOT NULL
         GROUP BY job_id`,
  );
  return rows.map((row) => ({ jobId: row.job_id, count: row.n }));
}
