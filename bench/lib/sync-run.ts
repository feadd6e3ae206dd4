import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchDatabase } from './databases.js';
import type { App } from '../../apps/server/src/http/app.js';
import type { Receiver } from './receiver-process.js';

/** Milliseconds after the POST started; null when not seen. */
export interface Timeline {
  /** POST /api/v1/sync-jobs answered 202. */
  accepted: number;
  /** The worker's plan transaction began (job.started_at). */
  planStarted: number | null;
  /** The job was first seen `running`: the plan transaction (deliveries + queue entries) had committed. */
  planCommitted: number | null;
  /** The first and last "delivered" log lines (each written as its delivery's record transaction began). */
  firstDelivered: number | null;
  lastDelivered: number | null;
  /** The job was first seen in a final status. */
  done: number;
}

export interface SyncRun {
  ms: number;
  /** The job's final status, or `timeout` when it had none within the time allowed. */
  status: string;
  delivered: number;
  /** Requests the receiver got during the run, and their mean size. */
  received: number;
  meanBodyBytes: number;
  /** The longest the event loop was blocked during the run (ms): requests, timers and I/O wait that long. */
  maxEventLoopDelayMs: number;
  timeline: Timeline;
}

const FINAL = new Set(['success', 'partial', 'failed']);
/** PGlite: how often the job row is read. */
const POLL_MS = 2;
/** PostgreSQL: a read on each status notification, and this often besides, should one be missed. */
const FALLBACK_READ_MS = 100;

/**
 * The longest gap between ticks of a 10 ms interval, minus the 10 ms: how long timers, I/O and HTTP requests had
 * to wait at worst. (A promise chain that never waits for I/O, e.g. many PGlite queries in a row, starves them.)
 */
function watchEventLoop(everyMs = 10): { stop(): Promise<number> } {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - everyMs);
    last = now;
  }, everyMs);
  return {
    async stop() {
      await sleep(everyMs + 1); // one more tick, in case the loop was blocked until just now
      clearInterval(timer);
      return Math.max(0, worst);
    },
  };
}

/**
 * POST /api/v1/sync-jobs with `force: true` (so every site is really sent), then watch the job row (a
 * primary-key read as the connection role, lighter than GET /api/v1/sync-jobs/:id, which returns every site) until
 * it is final or `timeoutMs` has passed. The time is from the start of the POST to the first read that sees the
 * final status.
 */
export async function timeSync(options: {
  app: App;
  bench: BenchDatabase;
  headers: Record<string, string>;
  receiver: Receiver;
  timeoutMs: number;
}): Promise<SyncRun> {
  const { app, bench, headers, receiver } = options;
  const before = await receiver.stats();
  const loop = watchEventLoop();
  const startedEpoch = Date.now();
  const started = performance.now();
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/sync-jobs',
    headers,
    payload: { force: true },
  });
  const accepted = performance.now() - started;
  if (response.statusCode !== 202)
    throw new Error(`POST /api/v1/sync-jobs: ${response.statusCode} ${response.body}`);
  const jobId = (response.json() as { id: string }).id;

  let planCommitted: number | null = null;
  let status = 'queued';
  const deadline = started + options.timeoutMs;
  // One timer for the whole run: a read stuck behind the database cannot outlast the time limit.
  const expiry = new AbortController();
  const late = sleep(options.timeoutMs, 'late' as const, { signal: expiry.signal }).catch(
    () => 'late' as const,
  );
  // On PostgreSQL the job is read when a status change commits (and every FALLBACK_READ_MS); PGlite shares the
  // service's one connection and event loop, so there it is read every POLL_MS when the loop is free.
  let changed: (() => void) | null = null;
  const unwatch = await bench.watchJobStatus?.(jobId, () => changed?.());
  const nextRead = () =>
    unwatch
      ? new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, FALLBACK_READ_MS);
          changed = () => {
            clearTimeout(timer);
            resolve();
          };
        })
      : sleep(POLL_MS);
  for (;;) {
    const next = nextRead(); // armed before the read: a change committed during it is not missed
    const rows = (await Promise.race([
      bench.observe('SELECT status FROM sync_jobs WHERE id = $1', [jobId]),
      late,
    ])) as { status: string }[] | 'late';
    status = rows === 'late' ? status : rows[0]!.status;
    const now = performance.now();
    if (status !== 'queued' && planCommitted === null) planCommitted = now - started;
    if (FINAL.has(status)) break;
    if (now > deadline) {
      status = 'timeout';
      break;
    }
    await Promise.race([next, late]);
  }
  changed = null;
  await unwatch?.();
  const ms = performance.now() - started;
  expiry.abort();
  const maxEventLoopDelayMs = await loop.stop();
  const after = await receiver.stats();

  const [facts] = (await bench.observe(
    `SELECT
         extract(epoch FROM j.started_at) * 1000 AS started_at,
         (SELECT extract(epoch FROM min(l.created_at)) * 1000 FROM job_logs l
            WHERE l.job_id = j.id AND l.message LIKE '%delivered (%') AS first_delivered,
         (SELECT extract(epoch FROM max(l.created_at)) * 1000 FROM job_logs l
            WHERE l.job_id = j.id AND l.message LIKE '%delivered (%') AS last_delivered,
         (SELECT count(*)::int FROM deliveries d WHERE d.job_id = j.id AND d.status = 'success') AS delivered
       FROM sync_jobs j WHERE j.id = $1`,
    [jobId],
  )) as {
    started_at: number | null;
    first_delivered: number | null;
    last_delivered: number | null;
    delivered: number;
  }[];
  const offset = (epochMs: number | string | null) =>
    epochMs === null ? null : Number(epochMs) - startedEpoch;
  const received = after.requests - before.requests;
  return {
    ms,
    status,
    delivered: Number(facts!.delivered),
    received,
    meanBodyBytes: received > 0 ? Math.round((after.bytes - before.bytes) / received) : 0,
    maxEventLoopDelayMs,
    timeline: {
      accepted,
      planStarted: offset(facts!.started_at),
      planCommitted,
      firstDelivered: offset(facts!.first_delivered),
      lastDelivered: offset(facts!.last_delivered),
      done: ms,
    },
  };
}
