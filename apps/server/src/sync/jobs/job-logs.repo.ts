import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { jobLogs, syncJobs } from '../../db/schema/index.js';
import type { DeliveryStatus, JobStatus, LogLevel } from '../../db/schema/sync.js';
import { rowsOf } from '../../db/rows-of.js';
import type { Tx } from '../../db/types.js';
import type { WrittenLogRow } from '../../live/index.js';

export interface NewLog {
  organizationId: string;
  jobId: string;
  siteId?: string | null;
  level: LogLevel;
  message: string;
  metadata?: Record<string, unknown> | null;
  /** The site's delivery status this line reports, if it reports one (becomes a live `site` event). */
  siteStatus?: DeliveryStatus | null;
  /** The job's status this line reports, if it reports one (becomes a live `job` event). */
  jobStatus?: JobStatus | null;
}

/**
 * Log ids come from an identity sequence at insert time, but transactions commit in their own order: without a
 * lock, a transaction holding id 7 could commit after another's id 8, and a live stream that had resumed "after 8"
 * would never see 7. So the jobs' rows are locked first (FOR NO KEY UPDATE, as the finish step locks them,
 * held to commit): a second writer of the same job waits until the first commits, and only then draws its ids.
 * Each job's log therefore becomes visible in id order (GET /api/v1/sync-jobs/:id/events relies on it).
 * Ascending id order is the one lock order every writer uses, so two writers of several jobs cannot deadlock.
 * Every job_logs insert must go through here (or insertLogsReturning). Two statements whatever the number of lines.
 */
export async function insertLogs(tx: Tx, logs: NewLog[]): Promise<void> {
  if (logs.length > 0) await tx.execute(await lockedInsert(tx, logs));
}

/** insertLogs, answering the rows as the live streams read them (live.repo.ts). */
export async function insertLogsReturning(tx: Tx, logs: NewLog[]): Promise<WrittenLogRow[]> {
  if (logs.length === 0) return [];
  return rowsOf<WrittenLogRow>(
    tx,
    sql`${await lockedInsert(tx, logs)}
    RETURNING id, organization_id, job_id, site_id, level, message, metadata, site_status, job_status, created_at,
      (SELECT s.slug FROM sites s WHERE s.id = job_logs.site_id) AS site_slug`,
  );
}

/** Locks the lines' jobs and answers the INSERT of the lines. */
async function lockedInsert(tx: Tx, logs: NewLog[]): Promise<SQL> {
  const jobIds = [...new Set(logs.map((log) => log.jobId))];
  await tx
    .select({ id: syncJobs.id })
    .from(syncJobs)
    .where(
      sql`${syncJobs.id} IN (${sql.join(
        jobIds.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    )
    .orderBy(asc(syncJobs.id))
    .for('no key update');
  // One JSON parameter rather than Drizzle's multi-row VALUES: a 1,000-site plan writes 1,000 lines, and building
  // that statement cost more than running it. Ids follow the array's order (WITH ORDINALITY … ORDER BY).
  const records = logs.map((log) => ({
    organization_id: log.organizationId,
    job_id: log.jobId,
    site_id: log.siteId ?? null,
    level: log.level,
    message: log.message,
    metadata: log.metadata ?? null,
    site_status: log.siteStatus ?? null,
    job_status: log.jobStatus ?? null,
  }));
  return sql`
    INSERT INTO job_logs (organization_id, job_id, site_id, level, message, metadata, site_status, job_status)
    SELECT organization_id, job_id, site_id, level, message, metadata, site_status, job_status
    FROM ROWS FROM (json_to_recordset(${JSON.stringify(records)}::json) AS (
      organization_id uuid, job_id uuid, site_id uuid, level text, message text, metadata jsonb,
      site_status text, job_status text
    )) WITH ORDINALITY AS v (organization_id, job_id, site_id, level, message, metadata, site_status, job_status, n)
    ORDER BY n`;
}

export function listJobLogs(tx: Tx, jobId: string, afterId = 0, limit = 1000) {
  return tx
    .select()
    .from(jobLogs)
    .where(and(eq(jobLogs.jobId, jobId), gt(jobLogs.id, afterId)))
    .orderBy(asc(jobLogs.id))
    .limit(limit);
}
