import type { Tx } from '../../db/types.js';
import type { LiveLines } from '../../live/index.js';
import { insertLogs, insertLogsReturning, type NewLog } from './job-logs.repo.js';

/**
 * Writes a job's log lines, the sync engine's one way to do it: when a live tail of this process follows one of the
 * jobs, the inserted rows come back and go to it (live/'s LiveLines), so it need not read them back at the commit's
 * notification; otherwise the insert returns nothing.
 */
export async function writeJobLogs(tx: Tx, live: LiveLines, logs: NewLog[]): Promise<void> {
  if (!logs.some((log) => live.wants(log.jobId))) return insertLogs(tx, logs);
  live.written(await insertLogsReturning(tx, logs));
}
