import type { SyncFailedEvent } from '../../alerts/alert-events.js';
import type { JobStatus } from '../../db/schema/sync.js';

// How a job's pass over its sites ended, in its status, its last log line and its alert. Pure.

/** A job's sites by how its delivery ended. */
export interface JobCounts {
  delivered: number;
  upToDate: number;
  failed: number;
  /** Taken over by a newer job before being accepted: this job did not bring that site up to date. */
  superseded: number;
}

/** The end line names at most this many failed sites. */
export const FAILED_SITES_NAMED = 10;

/**
 * `success` only when every site delivered or was up to date; otherwise `partial` when at least one did, else
 * `failed`. A job with no site to sync succeeded.
 */
export function jobStatusOf(counts: JobCounts): JobStatus {
  if (counts.failed + counts.superseded === 0) return 'success';
  return counts.delivered + counts.upToDate > 0 ? 'partial' : 'failed';
}

/**
 * `Sync partial: 2 delivered, 0 up to date, 1 failed (instagram), 0 superseded.`: the failed sites by slug (`named`,
 * the first of them), then how many more there are.
 */
export function endLine(status: JobStatus, counts: JobCounts, named: string[]): string {
  const more = counts.failed - named.length;
  const which = named.length === 0 ? '' : ` (${named.join(', ')}${more > 0 ? ` and ${more} more` : ''})`;
  return (
    `Sync ${status}: ${counts.delivered} delivered, ${counts.upToDate} up to date, ` +
    `${counts.failed} failed${which}, ${counts.superseded} superseded.`
  );
}

/** The alert of a job that did not bring every site up to date. */
export function jobEndEvents(
  job: { organizationId: string; jobId: string },
  status: JobStatus,
): SyncFailedEvent[] {
  return status === 'failed' || status === 'partial' ? [{ type: 'sync.failed', ...job, status }] : [];
}
