import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { AppDb } from '../../db/types.js';
import type { LiveLines } from '../../live/index.js';
import { announceWork } from '../queue/work-signal.repo.js';
import { writeHandBackLogs } from './hand-back-logs.js';
import {
  forgetSilentWorkers,
  handBackOrphans,
  recordHeartbeat,
  removeWorker,
  type HandedBackJob,
} from './recovery.repo.js';

/** The default of WORKER_STALE_AFTER_MS. */
export const DEFAULT_STALE_AFTER_MS = 15_000;
/** A worker row silent for this many staleAfter periods is deleted (its jobs were handed back long before). */
const FORGET_AFTER_STALE_PERIODS = 20;

export interface WorkerRecoveryOptions {
  db: AppDb;
  kind: 'pglite' | 'postgres';
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  liveLines: LiveLines;
  /** A worker silent for longer than this is dead: its jobs are handed back. */
  staleAfterMs?: number;
  /** The ids of the pg-boss jobs the worker holds right now (read at every heartbeat). */
  heldJobIds(): Iterable<string>;
  /** Asks this process's worker to fetch now. */
  wake(): void;
}

export interface WorkerRecovery {
  readonly workerId: string;
  /** Registers the worker and starts heartbeats and sweeps; resolves after the first of each. */
  start(): Promise<void>;
  /** Stops them and deletes the worker's row: call once the worker holds nothing. */
  stop(): Promise<void>;
}

/** The heartbeat period for a staleAfter: a third of it, so one late beat does not make a live worker stale. */
export function heartbeatIntervalMs(staleAfterMs: number): number {
  return Math.max(1_000, Math.floor(staleAfterMs / 3));
}

/**
 * Every worker says every `heartbeatIntervalMs` that it is alive and which queue jobs it holds (one statement; the
 * fetch and delivery path writes nothing for it), and then sweeps: active jobs of our queues that no live worker
 * holds belong to a process that died, and are handed back at once rather than on pg-boss's expiry, minutes later
 * (decision 022). On an embedded PGlite only one process can open the data folder, so every active job at start
 * is a dead process's: `handBackAtStart` hands all of them back before the worker fetches, and no periodic sweep
 * runs (nothing else could be holding a job).
 */
export function createWorkerRecovery(options: WorkerRecoveryOptions): WorkerRecovery {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const intervalMs = heartbeatIntervalMs(staleAfterMs);
  const workerId = randomUUID();
  const presence = { id: workerId, host: hostname(), pid: process.pid };
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> = Promise.resolve();
  let stopped = false;

  async function beat(): Promise<void> {
    await recordHeartbeat(options.db, { ...presence, heldJobIds: [...options.heldJobIds()] });
  }

  function tick(): void {
    current = (async () => {
      try {
        await beat();
        if (options.kind === 'postgres') await sweepOrphans(options, { staleAfterMs, marginMs: intervalMs });
      } catch (error) {
        options.log.warn({ err: error }, 'worker heartbeat or sweep failed; trying again at the next');
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    })();
  }

  return {
    workerId,
    async start() {
      if (options.kind === 'pglite') await handBackAtStart(options);
      tick();
      await current;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
      await removeWorker(options.db, workerId).catch((error: unknown) =>
        options.log.warn({ err: error }, 'could not remove the worker row; it is forgotten later'),
      );
    },
  };
}

type RecoveryDeps = Pick<WorkerRecoveryOptions, 'db' | 'log' | 'liveLines' | 'wake'>;

/**
 * One sweep: hands back the jobs no live worker holds (recovery.repo.ts handBackOrphans), wakes the workers of
 * every process (NOTIFY at commit) and this one, and writes the job-page lines. Answers what it handed back.
 */
export async function sweepOrphans(
  deps: RecoveryDeps,
  rule: { staleAfterMs: number; marginMs: number },
): Promise<HandedBackJob[]> {
  const handed = await deps.db.transaction(async (tx) => {
    const jobs = await handBackOrphans(tx, { mode: 'orphans', ...rule });
    if (jobs.length > 0) await announceWork(tx, 'any');
    return jobs;
  });
  await forgetSilentWorkers(deps.db, rule.staleAfterMs * FORGET_AFTER_STALE_PERIODS);
  if (handed.length > 0) await reportHandBack(deps, handed, 'dead-worker');
  return handed;
}

/** On an embedded database at start: every active job was the previous process's. */
export async function handBackAtStart(deps: RecoveryDeps): Promise<HandedBackJob[]> {
  const handed = await deps.db.transaction((tx) => handBackOrphans(tx, { mode: 'all' }));
  // The rows of earlier processes: none of them runs any more.
  await forgetSilentWorkers(deps.db, 0);
  if (handed.length > 0) await reportHandBack(deps, handed, 'restart');
  return handed;
}

async function reportHandBack(
  deps: RecoveryDeps,
  handed: HandedBackJob[],
  cause: 'dead-worker' | 'restart',
): Promise<void> {
  deps.wake();
  const workers = [...new Set(handed.map((job) => (job.host ? `${job.host}:${job.pid}` : 'unknown')))];
  deps.log.warn(
    { jobs: handed.length, failed: handed.filter((job) => job.state === 'failed').length, workers, cause },
    cause === 'restart'
      ? 'queue jobs left active by the previous process were handed back'
      : 'queue jobs of a worker that stopped were handed back',
  );
  await writeHandBackLogs(deps.db, deps.liveLines, handed, cause).catch((error: unknown) =>
    deps.log.error({ err: error }, 'could not write the hand-back log lines'),
  );
}
