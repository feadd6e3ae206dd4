import type { Database, Unlisten } from '../../db/types.js';
import type { WorkKind } from './queue-jobs.js';

/**
 * Work for sync workers in other processes. A worker wakes at once when work is queued in its own process; one in
 * another process (`datasync worker`) would otherwise find it on its next poll, up to 500 ms later (pg-boss itself
 * polls no faster). So whoever queues work also sends a NOTIFY on this channel, in the same transaction: it
 * arrives when the work is visible, at every listening worker.
 */
export const WORK_CHANNEL = 'datasync_sync_work';

/**
 * Calls `wake` on every announcement. PostgreSQL only: an embedded PGlite database has a single process, whose
 * worker is already woken directly. A lost LISTEN connection costs latency, not work: the poll still runs.
 */
export async function listenForWork(
  database: Database,
  wake: (work: WorkKind) => void,
): Promise<Unlisten | null> {
  if (database.kind !== 'postgres') return null;
  return database.listen(
    WORK_CHANNEL,
    (payload) => wake(payload === 'deliveries' ? 'deliveries' : 'any'),
    // Whatever was announced while the connection was down.
    () => wake('any'),
  );
}
