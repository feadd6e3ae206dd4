import type { JobLog, LiveJobEvent, LiveSiteEvent } from '@datasync/contracts';
import type { JobStatus } from '../db/schema/sync.js';
import { withTenant, type TenantScope } from '../db/tenant.js';
import type { AppDb } from '../db/types.js';
import { eventId, isAfter, type Position } from './event-ids.js';
import type { SseEvent } from './event-stream.js';
import type { Feed, PullResult } from './live-stream.js';
import { listJobLogRows, type LiveLogRow } from './live.repo.js';
import type { JobTail } from './job-tail.js';
import type { LogNotice } from './notification-hub.js';

export const FINAL_STATUSES: readonly JobStatus[] = ['success', 'partial', 'failed'];

const eventsByRow = new WeakMap<LiveLogRow, SseEvent[]>();

/**
 * The events one log line gives, in stream order: its `log`, then `site` and `job` if it reports a status. Made
 * once per row object: a row of a job's shared tail serves every stream of the job (and its wire text too).
 */
export function eventsOfRow(row: LiveLogRow): SseEvent[] {
  let events = eventsByRow.get(row);
  if (!events) eventsByRow.set(row, (events = makeEvents(row)));
  return events;
}

function makeEvents({ log, siteSlug }: LiveLogRow): SseEvent[] {
  const logId = String(log.id);
  const events: SseEvent[] = [
    {
      id: eventId(log.id, 'log'),
      event: 'log',
      data: {
        id: logId,
        level: log.level,
        message: log.message,
        site_id: log.siteId,
        metadata: log.metadata,
        created_at: log.createdAt,
      } satisfies JobLog,
    },
  ];
  if (log.siteStatus) {
    events.push({
      id: eventId(log.id, 'site'),
      event: 'site',
      data: {
        log_id: logId,
        job_id: log.jobId,
        site_id: log.siteId,
        site_slug: siteSlug,
        status: log.siteStatus,
        created_at: log.createdAt,
      } satisfies LiveSiteEvent,
    });
  }
  if (log.jobStatus) {
    events.push({
      id: eventId(log.id, 'job'),
      event: 'job',
      data: {
        log_id: logId,
        job_id: log.jobId,
        status: log.jobStatus,
        message: log.message,
        created_at: log.createdAt,
      } satisfies LiveJobEvent,
    });
  }
  return events;
}

/**
 * One job's log as events, from a position on. Exact because insertLogs makes a job's lines visible in id order:
 * everything at or below the position has been seen, so each read only asks for greater ids. Lines the job's
 * shared tail (job-tail.ts) holds come from memory; older ones (a replay, a resume, a client that lagged) from the
 * database. The feed ends after the event that reports a final job status, or, for a job already final when the
 * stream opened (a replay, or a client resuming after that event), as soon as it has read everything.
 */
export class JobFeed implements Feed {
  private position: Position;

  constructor(
    private readonly db: AppDb,
    private readonly scope: TenantScope,
    private readonly jobId: string,
    from: Position,
    private readonly finishedAtOpen: boolean,
    /** Null for a finished job: nothing new can come, the feed reads the database to the end. */
    private readonly tail: JobTail | null,
    private readonly batchSize = 500,
  ) {
    this.position = from;
  }

  concerns(notice: LogNotice | null): boolean {
    // A notice up to ids already read was covered by a read that began after its commit.
    return notice === null || notice.maxId > this.position.logId;
  }

  async pull(send: (event: SseEvent) => void): Promise<PullResult> {
    // A position inside a line (its `log` or `site` event) reads that line again for the rest of its events.
    const afterId = this.position.part === 'job' ? this.position.logId : this.position.logId - 1;
    const rows =
      this.tail?.linesAfter(afterId, this.batchSize) ??
      (await withTenant(this.db, this.scope, (tx) =>
        listJobLogRows(tx, this.jobId, afterId, this.batchSize),
      ));
    let finished = false;
    for (const row of rows) {
      for (const event of eventsOfRow(row)) {
        const part = event.event as Position['part'];
        if (!isAfter(row.log.id, part, this.position)) continue;
        send(event);
        this.position = { logId: row.log.id, part };
      }
      // The job's own lines end with the final one; nothing the job writes comes after it.
      if (row.log.jobStatus && FINAL_STATUSES.includes(row.log.jobStatus)) finished = true;
    }
    if (finished) return 'done';
    if (rows.length === this.batchSize) return 'more';
    return this.finishedAtOpen ? 'done' : 'idle';
  }
}
