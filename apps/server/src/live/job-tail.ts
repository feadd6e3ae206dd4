import { withTenant } from '../db/tenant.js';
import type { AppDb } from '../db/types.js';
import { latestJobLogId, type LiveLogRow } from './live.repo.js';
import type { LogNotice, Wake } from './notification-hub.js';
import type { WrittenLines } from './written-lines.js';

/** A job's lines after `afterId` in id order, at most `limit`: selectJobLogRows in the service. */
export type ReadJobLines = (
  orgId: string,
  jobId: string,
  afterId: number,
  limit: number,
) => Promise<LiveLogRow[]>;

/**
 * The newest lines of one job, read once per notification for every stream of this process that follows the job.
 * Without it, each of N streams would read the same rows after every commit: N transactions per commit, which on
 * PGlite (one connection) queue behind each other and the engine, and on PostgreSQL take N pool connections.
 *
 * The window holds every line of the job with `floor < id <= readId`, in id order (exact because insertLogs makes a
 * job's lines visible in id order, see job-feed.ts). A stream whose position is inside the window is served from
 * memory; one that is further behind (a replay, a resume, a slow client) reads the database itself until it
 * catches up. The window keeps at most `maxRows` lines.
 *
 * The lines this process wrote (its engine thread's too) come without a read: a notification whose lines their writer
 * handed over (LiveLines, written-lines.ts) extends the window directly when the tail is caught up (no read under way). Notifications
 * arrive in commit order, and each job's commits in id order, so every line before them is in the window already.
 */
export class JobTail {
  private rows: LiveLogRow[] = [];
  private floor = 0;
  private readId = 0;
  private readonly feeds = new Set<Wake>();
  private reading = false;
  private dirty = false;
  private failed = false;

  private constructor(
    private readonly readLines: ReadJobLines,
    private readonly orgId: string,
    private readonly jobId: string,
    private readonly maxRows: number,
    private readonly batchSize: number,
    private readonly onError: (error: unknown) => void,
    private readonly written: WrittenLines | undefined,
  ) {}

  /**
   * A tail from the job's newest line at the time of the call on. Call it once notifications of the job flow
   * (subscribed to the hub), so that nothing committed after the look-up goes unnoticed.
   */
  static async open(options: {
    db: AppDb;
    readLines: ReadJobLines;
    orgId: string;
    jobId: string;
    maxRows?: number;
    batchSize?: number;
    onError: (error: unknown) => void;
    written?: WrittenLines;
  }): Promise<JobTail> {
    const tail = new JobTail(
      options.readLines,
      options.orgId,
      options.jobId,
      options.maxRows ?? 2_000,
      options.batchSize ?? 500,
      options.onError,
      options.written,
    );
    const latest = await withTenant(options.db, { orgId: options.orgId }, (tx) =>
      latestJobLogId(tx, options.jobId),
    );
    tail.floor = tail.readId = latest;
    return tail;
  }

  /** The feeds woken after each read that found lines; returns the function that removes `wake`. */
  follow(wake: Wake): () => void {
    this.feeds.add(wake);
    return () => this.feeds.delete(wake);
  }

  get followers(): number {
    return this.feeds.size;
  }

  /**
   * The lines after `afterId`, at most `limit`, or null when the window cannot answer (the position is older than
   * it, or the tail failed): the caller reads the database.
   */
  linesAfter(afterId: number, limit: number): LiveLogRow[] | null {
    if (this.failed || afterId < this.floor) return null;
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.rows[middle]!.log.id <= afterId) low = middle + 1;
      else high = middle;
    }
    return this.rows.slice(low, low + limit);
  }

  /** A notification of the job (null: re-read whatever it says). Reads are single-flight. */
  readonly wake: Wake = (notice: LogNotice | null) => {
    // Taken whether used or not: a statement's kept lines are for its one notification.
    const written = notice ? this.written?.take(this.jobId, notice.maxId) : undefined;
    if (this.failed) return this.wakeFeeds(notice);
    if (notice !== null && notice.maxId <= this.readId) return;
    if (written && !this.reading && written[0]!.log.id > this.readId) return this.append(written);
    this.dirty = true;
    if (!this.reading) void this.read();
  };

  private async read(): Promise<void> {
    this.reading = true;
    try {
      while (this.dirty) {
        this.dirty = false;
        let rows: LiveLogRow[];
        do {
          rows = await this.readLines(this.orgId, this.jobId, this.readId, this.batchSize);
          if (rows.length === 0) break;
          this.append(rows);
        } while (rows.length === this.batchSize);
      }
    } catch (error) {
      // The feeds read the database themselves from now on, woken by the notifications the tail passes on.
      this.failed = true;
      this.onError(error);
      this.wakeFeeds(null);
    } finally {
      this.reading = false;
    }
  }

  /** Lines after readId, in id order, into the window; wakes the feeds. */
  private append(rows: LiveLogRow[]): void {
    this.rows.push(...rows);
    this.readId = rows.at(-1)!.log.id;
    const excess = this.rows.length - this.maxRows;
    if (excess > 0) this.floor = this.rows.splice(0, excess).at(-1)!.log.id;
    this.wakeFeeds({ orgId: this.orgId, jobId: this.jobId, maxId: this.readId, jobStatus: false });
  }

  private wakeFeeds(notice: LogNotice | null): void {
    for (const wake of this.feeds) wake(notice);
  }
}

interface TailEntry {
  tail: Promise<JobTail>;
  refs: number;
  /** Ends the tail's subscription to the job's notifications. */
  stop?: () => void;
  /** Stops keeping the job's written lines. */
  unfollow: () => void;
}

/**
 * One tail per followed job in this process, shared by its streams and dropped (with its subscription) when the
 * last of them closes.
 */
export class JobTails {
  private readonly entries = new Map<string, TailEntry>();

  constructor(
    private readonly db: AppDb,
    private readonly readLines: ReadJobLines,
    private readonly subscribe: (jobId: string, wake: Wake) => Promise<() => void>,
    private readonly onError: (error: unknown) => void,
    /** The lines this process writes (written-lines.ts; undefined: every line is read back). */
    private readonly written?: WrittenLines,
  ) {}

  /** The job's tail, opened if need be; `release` it once when done with it. */
  async acquire(jobId: string, orgId: string): Promise<JobTail> {
    let entry = this.entries.get(jobId);
    if (!entry) {
      const created: TailEntry = {
        refs: 0,
        tail: Promise.resolve(null as unknown as JobTail),
        // From before the tail's first read: lines written meanwhile are that read's, and later ones are kept.
        unfollow: this.written?.follow(jobId) ?? (() => {}),
      };
      created.tail = this.open(created, jobId, orgId);
      created.tail.catch(() => {
        created.stop?.();
        created.unfollow();
        if (this.entries.get(jobId) === created) this.entries.delete(jobId);
      });
      this.entries.set(jobId, created);
      entry = created;
    }
    entry.refs += 1;
    try {
      return await entry.tail;
    } catch (error) {
      entry.refs -= 1;
      throw error;
    }
  }

  private async open(entry: TailEntry, jobId: string, orgId: string): Promise<JobTail> {
    // Notices before the tail exists are covered by its first look-up and the read below.
    const opened: { tail?: JobTail } = {};
    entry.stop = await this.subscribe(jobId, (notice) => opened.tail?.wake(notice));
    const tail = await JobTail.open({
      db: this.db,
      readLines: this.readLines,
      orgId,
      jobId,
      onError: this.onError,
      written: this.written,
    });
    opened.tail = tail;
    // A commit notified while the tail was looking up the newest id may be past it: one read to be sure.
    tail.wake(null);
    return tail;
  }

  release(jobId: string): void {
    const entry = this.entries.get(jobId);
    if (!entry || --entry.refs > 0) return;
    this.entries.delete(jobId);
    entry.unfollow();
    void entry.tail.then(() => entry.stop?.()).catch(() => {});
  }

  /** Jobs with a tail now (tests). */
  get size(): number {
    return this.entries.size;
  }
}
