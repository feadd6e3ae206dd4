import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AppDb } from '../db/types.js';
import type { Metrics } from '../metrics/metrics.js';
import {
  alertsCreatedBefore,
  deleteAlertSends,
  deleteEmptiedAlerts,
  deleteEmptiedJobs,
  deleteJobDeliveries,
  deleteJobLogs,
  deleteSiteSends,
  deleteUnusedPayloads,
  finishedJobsCreatedBefore,
  windowStart,
  type AgeCursor,
  type OldRow,
  type PayloadCursor,
} from './retention.repo.js';

/** The tables the retention job deletes from, in the order it visits them. */
export const PRUNED_TABLES = [
  'job_logs',
  'deliveries',
  'sync_jobs',
  'alert_sends',
  'alerts',
  'payloads',
] as const;
export type PrunedTable = (typeof PRUNED_TABLES)[number];

/**
 * Rows per statement: tens of milliseconds of work at most, so a sync's statements never wait long behind one (on
 * PGlite a statement holds the event loop: 15–75 ms for 1,000 log lines of a million, measured).
 */
export const DEFAULT_BATCH_SIZE = 1_000;
/**
 * Pause after each statement, as a multiple of the statement's own time: 4 = the prune works a fifth of the time,
 * which kept a 1,000-site sync within 20 % of its time alone while a backlog was pruned (docs/benchmarks.md).
 */
export const DEFAULT_PAUSE_RATIO = 4;
/** Jobs (or alerts) whose rows one statement may delete: each is one index probe per statement, even once emptied. */
const OWNERS_PER_BATCH = 100;
/** Most time one run takes; what is left waits for the next run. Well under the schedule's ten minutes. */
export const DEFAULT_MAX_RUN_MS = 5 * 60_000;

export interface PruneDeps {
  db: AppDb;
  metrics?: Pick<Metrics, 'rowsPruned'>;
  log: Pick<Logger, 'info'>;
}

export interface PruneOptions {
  /** Rows older than this many days are deleted (RETENTION_DAYS). */
  retentionDays: number;
  batchSize?: number;
  pauseRatio?: number;
  maxRunMs?: number;
  /** Stops the run between two statements (the process is stopping). */
  signal?: AbortSignal;
}

export interface PruneResult {
  /** The window's start: rows older than it were deleted (PostgreSQL's text of the timestamp). */
  before: string;
  rows: Record<PrunedTable, number>;
  ms: number;
  /** false: the run stopped at its time limit or was stopped before it was done; the next run goes on. */
  complete: boolean;
}

/** One run's counts, its limits and its pace. */
class PruneRun {
  readonly rows = Object.fromEntries(PRUNED_TABLES.map((table) => [table, 0])) as Record<PrunedTable, number>;
  readonly batchSize: number;
  private readonly pauseRatio: number;
  private readonly deadline: number;

  constructor(
    readonly deps: PruneDeps,
    private readonly options: PruneOptions,
  ) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.pauseRatio = options.pauseRatio ?? DEFAULT_PAUSE_RATIO;
    this.deadline = performance.now() + (options.maxRunMs ?? DEFAULT_MAX_RUN_MS);
  }

  get mustStop(): boolean {
    return this.options.signal?.aborted === true || performance.now() > this.deadline;
  }

  /** Runs one statement, counts the rows it deleted, then gives way to other work for a while. */
  async statement<T>(table: PrunedTable, work: () => Promise<T>, deleted: (result: T) => number): Promise<T> {
    const started = performance.now();
    const result = await work();
    const count = deleted(result);
    this.rows[table] += count;
    this.deps.metrics?.rowsPruned.inc({ table }, count);
    const pauseMs = (performance.now() - started) * this.pauseRatio;
    if (pauseMs >= 1) await sleep(pauseMs, undefined, { signal: this.options.signal }).catch(() => {});
    else await nextTurn();
    return result;
  }

  /** Repeats a statement that deletes up to a batch until one deletes less (nothing is left), or the run stops. */
  async drain(table: PrunedTable, work: () => Promise<number>): Promise<boolean> {
    for (;;) {
      if (this.mustStop) return false;
      if ((await this.statement(table, work, (count) => count)) < this.batchSize) return true;
    }
  }
}

/**
 * Deletes, across every organization, what is older than the retention window: the log lines and deliveries of
 * finished jobs, then those jobs once nothing of them is left, the sites' own sends, the finished sends of alerts,
 * then those alerts once they have no send left, and the payloads that no delivery or snapshot names any more.
 * Never touched: queued and running jobs and all of their rows, pending and in-progress deliveries, pending alert
 * sends with their alerts, and every site's snapshot (its last accepted payload) with that payload. One statement
 * at a time, each on at most a batch of rows, with pauses between them; logged once, at the end.
 */
export async function pruneOnce(deps: PruneDeps, options: PruneOptions): Promise<PruneResult> {
  const started = performance.now();
  const run = new PruneRun(deps, options);
  const before = await windowStart(deps.db, options.retentionDays);
  const complete =
    (await pruneOwners(run, before, FINISHED_JOBS)) &&
    (await pruneSiteSends(run, before)) &&
    (await pruneOwners(run, before, OLD_ALERTS)) &&
    // Last: the deliveries deleted above may have been the last to name a payload.
    (await pruneUnusedPayloads(run, before));
  const result = { before, rows: { ...run.rows }, ms: Math.round(performance.now() - started), complete };
  deps.log.info(
    { retention_days: options.retentionDays, before, rows: result.rows, ms: result.ms, complete },
    complete ? 'retention: pruned what is older than the window' : 'retention: stopped; the next run goes on',
  );
  return result;
}

/**
 * Rows older than the window that own rows of other tables: visited in age order, a few at a time, their own rows
 * deleted table by table, then those of them that have nothing left.
 */
interface Owners {
  find(db: AppDb, before: string, after: AgeCursor | null, limit: number): Promise<OldRow[]>;
  owned: [PrunedTable, (db: AppDb, owners: OldRow[], before: string, limit: number) => Promise<number>][];
  emptied: [PrunedTable, (db: AppDb, owners: OldRow[], before: string) => Promise<number>];
}

const FINISHED_JOBS: Owners = {
  find: finishedJobsCreatedBefore,
  owned: [
    ['job_logs', deleteJobLogs],
    ['deliveries', deleteJobDeliveries],
  ],
  emptied: ['sync_jobs', deleteEmptiedJobs],
};

const OLD_ALERTS: Owners = {
  find: alertsCreatedBefore,
  owned: [['alert_sends', deleteAlertSends]],
  emptied: ['alerts', deleteEmptiedAlerts],
};

async function pruneOwners(run: PruneRun, before: string, owners: Owners): Promise<boolean> {
  const { db } = run.deps;
  let after: AgeCursor | null = null;
  for (;;) {
    if (run.mustStop) return false;
    const found = await owners.find(db, before, after, OWNERS_PER_BATCH);
    const last = found.at(-1);
    if (!last) return true;
    after = { createdAt: last.createdAt, id: last.id };
    for (const [table, deleteOwned] of owners.owned)
      if (!(await run.drain(table, () => deleteOwned(db, found, before, run.batchSize)))) return false;
    const [table, deleteEmptied] = owners.emptied;
    await run.statement(
      table,
      () => deleteEmptied(db, found, before),
      (count) => count,
    );
  }
}

async function pruneSiteSends(run: PruneRun, before: string): Promise<boolean> {
  let after: AgeCursor | null = null;
  for (;;) {
    if (run.mustStop) return false;
    const batch = await run.statement(
      'deliveries',
      () => deleteSiteSends(run.deps.db, before, after, run.batchSize),
      (result) => result?.deleted ?? 0,
    );
    if (!batch) return true;
    after = batch.next;
  }
}

async function pruneUnusedPayloads(run: PruneRun, before: string): Promise<boolean> {
  let after: PayloadCursor | null = null;
  for (;;) {
    if (run.mustStop) return false;
    const batch = await run.statement(
      'payloads',
      () => deleteUnusedPayloads(run.deps.db, before, after, run.batchSize),
      (result) => result?.deleted ?? 0,
    );
    if (!batch) return true;
    after = batch.next;
  }
}
