import { raiseAlerts } from '../../alerts/alert-events.js';
import type { JobStatus } from '../../db/schema/sync.js';
import type { Tx } from '../../db/types.js';
import { QUEUES } from '../../queue/job-queue.js';
import type { SyncContext } from '../engine/sync-context.js';
import { createGroupCommit } from '../group-commit.js';
import { writeJobLogs } from '../jobs/job-log-writer.js';
import {
  countDeliveriesByStatus,
  failedSiteSlugs,
  hasUnfinishedDeliveries,
  lockSyncJob,
  updateSyncJob,
} from './job-end.repo.js';
import { endLine, FAILED_SITES_NAMED, jobEndEvents, jobStatusOf, type JobCounts } from './job-status.js';

/**
 * The end of the flow, for both kinds of job: a sync job ends once it is fully planned and none of its deliveries
 * is unfinished; a deliver-queue job is completed in pg-boss once every delivery it carried is recorded, so a crash
 * never leaves an unfinished delivery with no queue job to hand it out again.
 */
export interface JobFinisher {
  /**
   * Inside the transaction that recorded outcomes (or committed a plan's last chunk): ends those of `jobIds` that
   * are done, in id order (the lock order of every writer of the job rows).
   */
  endJobsIfDone(tx: Tx, jobIds: Iterable<string>): Promise<void>;
  /** After the commit: completes the queue job, with others that became ready meanwhile (group commit). */
  completeQueueJob(queueJobId: string): Promise<void>;
}

export function createJobFinisher(
  ctx: Pick<SyncContext, 'boss' | 'log' | 'metrics' | 'liveLines'>,
): JobFinisher {
  // While the database is unreachable a completion waits for it: the outcomes are committed, and failing the queue
  // job would only have pg-boss hand it out again.
  const completions = createGroupCommit<string>({
    write: (ids) => ctx.boss.complete(QUEUES.deliver, ids),
    onDisconnected: (error, jobs) =>
      ctx.log.warn({ err: error, jobs }, 'database unreachable; retrying the completion'),
  });
  return {
    async endJobsIfDone(tx, jobIds) {
      for (const jobId of [...new Set(jobIds)].sort()) {
        const ended = await endJobIfDone(tx, ctx, jobId);
        if (ended) ctx.metrics.jobDuration.observe({ status: ended.status }, ended.durationSeconds);
      }
    },
    completeQueueJob: (queueJobId) => completions.add(queueJobId),
  };
}

/**
 * Ends a job once it is fully planned and none of its deliveries is pending or in progress (a job is one pass over
 * its sites: what a site sends after it is the site's own). The job row is locked first, so two workers finishing
 * its last two deliveries at once cannot both miss (or both write) the ending. A job that did not bring every site
 * up to date raises `sync.failed` in the same transaction.
 */
async function endJobIfDone(
  tx: Tx,
  ctx: Pick<SyncContext, 'boss' | 'liveLines'>,
  jobId: string,
): Promise<{ status: JobStatus; durationSeconds: number } | null> {
  const job = await lockSyncJob(tx, jobId);
  if (!job || job.status === 'success' || job.status === 'partial' || job.status === 'failed') return null;
  // A plan still committing its chunks has more deliveries to come: it ends the job itself with its last chunk.
  if (job.plannedAt === null) return null;
  // Asked after every batch of outcomes, so an index probe rather than a count of the job's deliveries (which
  // would make a job of N sites cost O(N²)); the counts are read once, at the end.
  if (await hasUnfinishedDeliveries(tx, jobId)) return null;
  const byStatus = await countDeliveriesByStatus(tx, jobId);
  const count = (status: Parameters<typeof byStatus.get>[0]) => byStatus.get(status) ?? 0;
  if (count('pending') + count('in_progress') > 0) return null;

  const counts: JobCounts = {
    delivered: count('success'),
    upToDate: count('up_to_date'),
    failed: count('failed'),
    superseded: count('superseded'),
  };
  const status = jobStatusOf(counts);
  const failedSites = counts.failed > 0 ? await failedSiteSlugs(tx, jobId, FAILED_SITES_NAMED) : [];
  await updateSyncJob(tx, jobId, { status, completedAt: new Date().toISOString() });
  await writeJobLogs(tx, ctx.liveLines, [
    {
      organizationId: job.organizationId,
      jobId,
      level: status === 'success' ? 'info' : 'error',
      jobStatus: status,
      message: endLine(status, counts, failedSites),
      metadata: {
        status,
        delivered: counts.delivered,
        up_to_date: counts.upToDate,
        failed: counts.failed,
        superseded: counts.superseded,
        failed_sites: failedSites,
      },
    },
  ]);
  const events = jobEndEvents({ organizationId: job.organizationId, jobId }, status);
  if (events.length > 0) await raiseAlerts(tx, ctx.boss, events);
  return { status, durationSeconds: (Date.now() - Date.parse(job.createdAt)) / 1000 };
}
