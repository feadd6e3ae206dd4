import type { Database } from '../db/types.js';
import type { LiveLogRow } from './live.repo.js';

/** How long written lines wait for their commit's notification (a rolled-back transaction never sends one). */
const KEEP_MS = 60_000;
/** At most this many statements' lines wait at once; the oldest go first (their tail then reads the database). */
const MAX_STATEMENTS = 1_000;

interface Kept {
  rows: LiveLogRow[];
  at: number;
}

/**
 * Log lines this isolate wrote for jobs that a live tail of this isolate follows, from their INSERT until the
 * commit's notification reaches the tail, which then takes them instead of reading them back (job-tail.ts).
 *
 * Why: on the embedded PGlite the tail's read shares the one connection with the engine, and waits behind whatever
 * transaction is queued there (a plan chunk of hundreds of sites: ~100 ms). The lines a process writes itself need
 * no read: insertLogs returns them (RETURNING, only for followed jobs) and keeps them here under the key the
 * notification names, (job, greatest id of the statement's lines of that job): one notification per statement
 * and job (migration 0003), so the kept rows are exactly the lines that notification announces.
 *
 * Only with the embedded database (writtenLinesFor): there every writer of log lines runs in this isolate. On
 * PostgreSQL the engine runs in its own thread or process, and a tail's read takes a pool connection of its own
 * instead of waiting behind the engine, so every line is read back, as lines from other processes must be.
 */
export class WrittenLines {
  private readonly followers = new Map<string, number>();
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Keeps the lines of `jobId` from now on, until the returned function is called (once per call). */
  follow(jobId: string): () => void {
    this.followers.set(jobId, (this.followers.get(jobId) ?? 0) + 1);
    let followed = true;
    return () => {
      if (!followed) return;
      followed = false;
      const left = (this.followers.get(jobId) ?? 1) - 1;
      if (left > 0) return void this.followers.set(jobId, left);
      this.followers.delete(jobId);
      for (const key of this.kept.keys()) if (key.startsWith(`${jobId}:`)) this.kept.delete(key);
    };
  }

  /** Whether insertLogs should return and keep the lines it writes for `jobId`. */
  wants(jobId: string): boolean {
    return this.followers.has(jobId);
  }

  /** One statement's lines of one job (any order; kept in id order). */
  keep(jobId: string, rows: LiveLogRow[]): void {
    if (rows.length === 0 || !this.wants(jobId)) return;
    const sorted = [...rows].sort((a, b) => a.log.id - b.log.id);
    this.sweep();
    this.kept.set(keyOf(jobId, sorted.at(-1)!.log.id), { rows: sorted, at: this.now() });
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

/** This isolate's written lines: insertLogs keeps into it, the live tails of this isolate take from it. */
export const writtenLines = new WrittenLines();

/** The written lines a process's live tails take, with the embedded database; undefined with PostgreSQL. */
export function writtenLinesFor(database: Pick<Database, 'kind'>): WrittenLines | undefined {
  return database.kind === 'pglite' ? writtenLines : undefined;
}
