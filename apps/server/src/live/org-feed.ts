import type { LiveJobEvent } from '@datasync/contracts';
import { withTenant, type TenantScope } from '../db/tenant.js';
import type { AppDb } from '../db/types.js';
import { eventId } from './event-ids.js';
import type { SseEvent } from './event-stream.js';
import type { Feed, PullResult } from './live-stream.js';
import { listJobStatusRows } from './live.repo.js';
import type { LogNotice } from './notification-hub.js';

/**
 * How long after drawing its log id a writer may still commit. insertLogs orders the lines of one job, not of
 * different jobs: job A's "Sync started" (id 7) may commit after job B's "Sync success" (id 8) was streamed.
 */
export const SETTLE_MS = 120_000;

/**
 * The organization's job starts and ends (`job` events), for the dashboard. Lines of different jobs can become
 * visible out of id order (see SETTLE_MS), so a cursor "after id N" could skip a late one. Instead every read
 * starts at a `floor` that trails the highest id streamed by SETTLE_MS, and skips the ids already sent since: a
 * line committed up to SETTLE_MS late is still streamed, once (after higher ids, so event ids on this stream are
 * not always increasing). The lines are few (two per job), so re-reading the window costs little (a partial
 * index covers it).
 */
export class OrgFeed implements Feed {
  private floor: number;
  private readonly sent = new Set<number>();
  /** Highest id seen at each read: the floor moves to the newest mark older than SETTLE_MS. */
  private readonly marks: { at: number; highest: number }[] = [];
  private highest: number;
  /** Where the current pass goes on reading; null between passes. */
  private passAfter: number | null = null;

  constructor(
    private readonly db: AppDb,
    private readonly scope: TenantScope & { orgId: string },
    /** Where reading starts: the lines above it are streamed (see openOrgFeed for how it is chosen). */
    floor: number,
    private readonly settleMs = SETTLE_MS,
    private readonly batchSize = 500,
    private readonly now: () => number = Date.now,
  ) {
    this.floor = floor;
    this.highest = floor;
  }

  concerns(notice: LogNotice | null): boolean {
    return notice === null || notice.jobStatus;
  }

  async pull(send: (event: SseEvent) => void): Promise<PullResult> {
    // A pass reads everything above the floor, in batches; the floor moves only between passes.
    if (this.passAfter === null) {
      this.advanceFloor();
      this.passAfter = this.floor;
    }
    const rows = await withTenant(this.db, this.scope, (tx) =>
      listJobStatusRows(tx, this.scope.orgId, this.passAfter!, this.batchSize),
    );
    for (const row of rows) {
      if (this.sent.has(row.id)) continue;
      this.sent.add(row.id);
      this.highest = Math.max(this.highest, row.id);
      send({
        id: eventId(row.id, 'job'),
        event: 'job',
        data: {
          log_id: String(row.id),
          job_id: row.jobId,
          status: row.jobStatus!,
          message: row.message,
          created_at: row.createdAt,
        } satisfies LiveJobEvent,
      });
    }
    if (rows.length === this.batchSize) {
      this.passAfter = rows.at(-1)!.id;
      return 'more';
    }
    this.passAfter = null;
    this.marks.push({ at: this.now(), highest: this.highest });
    return 'idle';
  }

  private advanceFloor(): void {
    const settled = this.now() - this.settleMs;
    while (this.marks.length > 0 && this.marks[0]!.at <= settled) {
      this.floor = Math.max(this.floor, this.marks.shift()!.highest);
    }
    for (const id of this.sent) if (id <= this.floor) this.sent.delete(id);
  }
}
