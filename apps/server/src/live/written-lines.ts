import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import type { Database } from '../db/types.js';
import { groupBy } from '../lib/group-by.js';
import { liveLogRowOf, type LiveLogRow } from './live.repo.js';

/** How long written lines wait for their commit's notification (a rolled-back transaction never sends one). */
const KEEP_MS = 60_000;
/** At most this many statements' lines wait at once; the oldest go first (their tail then reads the database). */
const MAX_STATEMENTS = 1_000;
/** The channel the isolates (threads) of one process share their followed jobs and written lines on. */
const SHARED_CHANNEL = 'datasync:written-lines';

interface Kept {
  rows: LiveLogRow[];
  at: number;
}

/** What the isolates of one process tell each other (`from`: the sending instance). */
type Shared =
  /** A new isolate joined: every isolate that follows jobs says which. */
  | { type: 'hello'; from: string }
  /** The sender's whole set of followed jobs, sent whenever it changes. */
  | { type: 'followed'; from: string; jobIds: string[] }
  /** One statement's lines of a job another isolate follows. */
  | { type: 'kept'; from: string; jobId: string; rows: LiveLogRow[] };

/** A job_logs row as written and answered by its INSERT … RETURNING, in SQL column names, with `site_slug`. */
export type WrittenLogRow = Record<string, unknown> & { job_id: string };

/**
 * What the writer of log lines tells live/ (the sync engine's job log service, never a repository): it asks whether
 * a job's lines are wanted, and if so hands over the rows its INSERT returned, so that this process's live tails
 * take them without reading them back.
 */
export interface LiveLines {
  /** Whether the lines written for `jobId` should be handed to `written` (a live tail of this process follows it). */
  wants(jobId: string): boolean;
  /** One statement's lines (any jobs; those of jobs no tail follows are dropped). */
  written(rows: WrittenLogRow[]): void;
}

/**
 * Log lines this process wrote for jobs that one of its live tails follows, from their INSERT until the commit's
 * notification reaches the tail, which then takes them instead of reading them back (job-tail.ts).
 *
 * Why: on the embedded PGlite the tail's read shares the one connection with the engine, and waits behind whatever
 * transaction is queued there (a plan chunk of hundreds of sites: ~100 ms); on PostgreSQL it is a round trip to a
 * server the sync keeps busy (p50 3 ms, p99 17 ms measured during a 1,000-site sync, decision 019). The lines a
 * process writes itself need no read: their writer returns them (RETURNING, only for followed jobs) and hands them
 * over (LiveLines.written). They are kept here under the key the notification names, (job, greatest id of the
 * statement's lines of that job): one notification per statement and job (migration 0003), so the kept rows are
 * exactly the lines that notification announces.
 *
 * The engine may run in a thread of its own (PostgreSQL, decision 013): `shareAcrossThreads` links the isolates of
 * the process, so the engine thread learns which jobs the API thread's tails follow and posts them the lines it
 * writes. A line posted after its notification arrived is simply read back, as the lines of other processes are.
 */
export class WrittenLines implements LiveLines {
  private readonly followers = new Map<string, number>();
  private readonly kept = new Map<string, Kept>();
  /** The jobs other isolates of this process follow, per isolate. */
  private readonly followedElsewhere = new Map<string, Set<string>>();
  private readonly id = randomUUID();
  private channel: BroadcastChannel | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Shares followed jobs and written lines with the other isolates of this process that share theirs (`channelName`:
   * tests give each pair its own). Returns the function that stops sharing.
   */
  shareAcrossThreads(channelName = SHARED_CHANNEL): () => void {
    if (this.channel) throw new Error('written lines are already shared');
    const channel = new BroadcastChannel(channelName);
    // Sharing must not keep a process alive whose work is done.
    channel.unref();
    channel.onmessage = (event) => this.receive((event as { data: Shared }).data);
    this.channel = channel;
    this.post({ type: 'hello', from: this.id });
    return () => {
      if (this.channel !== channel) return;
      this.channel = null;
      this.followedElsewhere.clear();
      channel.close();
    };
  }

  /** Keeps the lines of `jobId` from now on, until the returned function is called (once per call). */
  follow(jobId: string): () => void {
    const count = this.followers.get(jobId) ?? 0;
    this.followers.set(jobId, count + 1);
    if (count === 0) this.postFollowed();
    let followed = true;
    return () => {
      if (!followed) return;
      followed = false;
      const left = (this.followers.get(jobId) ?? 1) - 1;
      if (left > 0) return void this.followers.set(jobId, left);
      this.followers.delete(jobId);
      for (const key of this.kept.keys()) if (key.startsWith(`${jobId}:`)) this.kept.delete(key);
      this.postFollowed();
    };
  }

  /** Whether the lines written for `jobId` should be kept (followed here or elsewhere). */
  wants(jobId: string): boolean {
    return this.followers.has(jobId) || this.followedByOthers(jobId);
  }

  written(rows: WrittenLogRow[]): void {
    for (const [jobId, ofJob] of groupBy(rows, (row) => row.job_id)) {
      if (this.wants(jobId)) this.keep(jobId, ofJob.map(liveLogRowOf));
    }
  }

  /** One statement's lines of one job (any order; kept in id order), here or for the isolate that follows it. */
  keep(jobId: string, rows: LiveLogRow[]): void {
    if (rows.length === 0 || !this.wants(jobId)) return;
    const sorted = [...rows].sort((a, b) => a.log.id - b.log.id);
    if (this.followers.has(jobId)) this.keepHere(jobId, sorted);
    if (this.followedByOthers(jobId)) this.post({ type: 'kept', from: this.id, jobId, rows: sorted });
  }

  /** The lines the notification (jobId, maxId) announces, if this isolate wrote them; each statement's once. */
  take(jobId: string, maxId: number): LiveLogRow[] | undefined {
    const key = keyOf(jobId, maxId);
    const kept = this.kept.get(key);
    if (kept) this.kept.delete(key);
    return kept?.rows;
  }

  /** Statements waiting for their notification (tests). */
  get size(): number {
    return this.kept.size;
  }

  /** Whether another isolate's tails follow the job (only known while sharing: stopping forgets them). */
  private followedByOthers(jobId: string): boolean {
    for (const jobIds of this.followedElsewhere.values()) if (jobIds.has(jobId)) return true;
    return false;
  }

  private keepHere(jobId: string, sorted: LiveLogRow[]): void {
    this.sweep();
    this.kept.set(keyOf(jobId, sorted.at(-1)!.log.id), { rows: sorted, at: this.now() });
  }

  private receive(message: Shared): void {
    if (message.from === this.id) return;
    if (message.type === 'hello') {
      if (this.followers.size > 0) this.postFollowed();
    } else if (message.type === 'followed') {
      if (message.jobIds.length > 0) this.followedElsewhere.set(message.from, new Set(message.jobIds));
      else this.followedElsewhere.delete(message.from);
    } else if (this.followers.has(message.jobId)) {
      this.keepHere(message.jobId, message.rows);
    }
  }

  private postFollowed(): void {
    this.post({ type: 'followed', from: this.id, jobIds: [...this.followers.keys()] });
  }

  private post(message: Shared): void {
    this.channel?.postMessage(message);
  }

  private sweep(): void {
    const expired = this.now() - KEEP_MS;
    // Insertion order is age order: stop at the first entry young enough once under the bound.
    for (const [key, kept] of this.kept) {
      if (kept.at > expired && this.kept.size < MAX_STATEMENTS) break;
      this.kept.delete(key);
    }
  }
}

const keyOf = (jobId: string, maxId: number) => `${jobId}:${maxId}`;

/** This isolate's written lines: the sync engine's log writer hands lines to it, this isolate's tails take them. */
export const writtenLines = new WrittenLines();

/**
 * The written lines a process's live tails take: with the embedded database, and on PostgreSQL when this process
 * runs the engine (`engineHere`, on this thread or, shared, on its engine thread). Undefined otherwise: when only
 * `datasync worker` processes write the sync's lines, the tails read every line back, the API's own too, so that
 * all of a job's lines reach its streams the same way (and the bench's probe lines measure the engine's path).
 */
export function writtenLinesFor(
  database: Pick<Database, 'kind'>,
  engineHere = true,
): WrittenLines | undefined {
  return database.kind === 'pglite' || engineHere ? writtenLines : undefined;
}
