import { and, asc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import { toIsoTimestamp } from '../db/schema/columns.js';
import { jobLogs, sites, syncJobs } from '../db/schema/index.js';
import { integerLiteral, uuidLiteral } from '../db/sql-literals.js';
import { selectAsTenant } from '../db/tenant.js';
import type { Database, Tx } from '../db/types.js';

export type LiveLogRow = Awaited<ReturnType<typeof listJobLogRows>>[number];

/** The job's status, or undefined when it is not a job of the transaction's organization. */
export async function findJobStatus(tx: Tx, jobId: string) {
  const [row] = await tx.select({ status: syncJobs.status }).from(syncJobs).where(eq(syncJobs.id, jobId));
  return row?.status;
}

/** A job's log lines after `afterId`, in id order, with the slug of the site a line is about. */
export function listJobLogRows(tx: Tx, jobId: string, afterId: number, limit: number) {
  return tx
    .select({ log: jobLogs, siteSlug: sites.slug })
    .from(jobLogs)
    .leftJoin(sites, eq(sites.id, jobLogs.siteId))
    .where(and(eq(jobLogs.jobId, jobId), gt(jobLogs.id, afterId)))
    .orderBy(asc(jobLogs.id))
    .limit(limit);
}

/**
 * listJobLogRows in one round trip (selectAsTenant), for a job's tail, which reads after every commit of the job's
 * lines while the machine is busiest. The same rows in the same shape (a test compares the two).
 */
export async function selectJobLogRows(
  database: Pick<Database, 'executeSql'>,
  orgId: string,
  jobId: string,
  afterId: number,
  limit: number,
): Promise<LiveLogRow[]> {
  const rows = await selectAsTenant(
    database,
    orgId,
    `SELECT l.id, l.organization_id, l.job_id, l.site_id, l.level, l.message, l.metadata, l.site_status,
      l.job_status, l.created_at, s.slug AS site_slug
    FROM job_logs l LEFT JOIN sites s ON s.id = l.site_id
    WHERE l.job_id = ${uuidLiteral(jobId)} AND l.id > ${integerLiteral(afterId)}
    ORDER BY l.id LIMIT ${integerLiteral(limit)}`,
  );
  return rows.map(liveLogRowOf);
}

/** A job_logs row in SQL column names, with `site_slug`, as a tail holds it (selectJobLogRows, LiveLines.written). */
export function liveLogRowOf(row: Record<string, unknown>): LiveLogRow {
  return {
    log: {
      id: Number(row.id),
      organizationId: row.organization_id as string,
      jobId: row.job_id as string,
      siteId: row.site_id as string | null,
      level: row.level as LiveLogRow['log']['level'],
      message: row.message as string,
      metadata: row.metadata as Record<string, unknown> | null,
      siteStatus: row.site_status as LiveLogRow['log']['siteStatus'],
      jobStatus: row.job_status as LiveLogRow['log']['jobStatus'],
      createdAt: toIsoTimestamp(row.created_at as Date | string),
    },
    siteSlug: row.site_slug as string | null,
  };
}

/** The greatest id among the job's lines (0 without any). */
export async function latestJobLogId(tx: Tx, jobId: string): Promise<number> {
  const [row] = await tx
    .select({ id: sql<string | null>`max(${jobLogs.id})` })
    .from(jobLogs)
    .where(eq(jobLogs.jobId, jobId));
  return row?.id ? Number(row.id) : 0;
}

/** The organization's lines that report a job status, after `afterId`, in id order (partial index of 0003). */
export function listJobStatusRows(tx: Tx, orgId: string, afterId: number, limit: number) {
  return tx
    .select({
      id: jobLogs.id,
      jobId: jobLogs.jobId,
      jobStatus: jobLogs.jobStatus,
      message: jobLogs.message,
      createdAt: jobLogs.createdAt,
    })
    .from(jobLogs)
    .where(and(eq(jobLogs.organizationId, orgId), isNotNull(jobLogs.jobStatus), gt(jobLogs.id, afterId)))
    .orderBy(asc(jobLogs.id))
    .limit(limit);
}

/**
 * The greatest id among the organization's job-status lines written more than `seconds` before line `logId`, or
 * before now without one (0 when there is none): where an organization stream starts reading, see org-feed.ts.
 */
export async function jobStatusFloor(
  tx: Tx,
  orgId: string,
  seconds: number,
  logId?: number,
): Promise<number> {
  const reference = logId
    ? sql`coalesce((SELECT l.created_at FROM job_logs l WHERE l.id = ${logId}), now())`
    : sql`now()`;
  const [row] = await tx
    .select({ id: sql<string | null>`max(${jobLogs.id})` })
    .from(jobLogs)
    .where(
      and(
        eq(jobLogs.organizationId, orgId),
        isNotNull(jobLogs.jobStatus),
        sql`${jobLogs.createdAt} < ${reference} - make_interval(secs => ${seconds})`,
      ),
    );
  return row?.id ? Number(row.id) : 0;
}
