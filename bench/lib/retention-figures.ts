import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUES } from '../../apps/server/src/queue/job-queue.js';
import { pruneOnce, type PruneResult } from '../../apps/server/src/retention/retention.service.js';
import { startBenchApp, type BenchApp } from './bench-app.js';
import type { BenchDatabase } from './databases.js';
import { describeErrors, fanOutTimeoutMs } from './database-figures.js';
import { connectReceiver, type Receiver } from './receiver-process.js';
import type { FigureResult } from './report.js';
import { refreshStatistics, seedFanOut, type FanOut } from './seed.js';
import { summarize, type Summary } from './stats.js';
import { timeSync, type SyncRun } from './sync-run.js';

// The retention figures (docs/benchmarks.md): a 1,000-site sync alone and beside a prune of a large backlog, and
// the database's size over simulated days of syncs and prunes.

const LOAD_SITES = 1000;
const BACKLOG_JOBS = 1000;
const LINES_PER_JOB = 1000;
const BACKLOG_AGE_DAYS = 60;
const STEADY_SITES = 200;
const STEADY_ROUNDS = 8;
const STEADY_RETENTION_DAYS = 3;
const KB = 1024;
const silent = { info: () => {} };

/** The service the figures measure, without its scheduled prune: the figures run prunes themselves, when they say. */
async function serviceWithoutSchedule(bench: BenchDatabase, receiver: Receiver): Promise<BenchApp> {
  const service = await startBenchApp(bench, receiver.origin);
  await service.queue.boss.unschedule(QUEUES.retention);
  return service;
}

function fanOut(service: BenchApp, bench: BenchDatabase, receiver: Receiver, siteCount: number) {
  return seedFanOut(service.app, bench.database.db, {
    receiverOrigin: receiver.origin,
    encryptionKey: service.keys.encryption,
    siteCount,
    itemsPerSite: 4,
    itemBytes: 4 * 1024,
  });
}

function sync(service: BenchApp, bench: BenchDatabase, receiver: Receiver, seeded: FanOut): Promise<SyncRun> {
  return timeSync({
    app: service.app,
    bench,
    headers: seeded.headers,
    receiver,
    timeoutMs: fanOutTimeoutMs(seeded.siteCount),
  });
}

/** What a run got wrong, for the notes: a job that did not succeed, sites not delivered, engine errors. */
function problemsOf(run: SyncRun, expected: number, errors: unknown[]): string[] {
  const problems: string[] = [];
  if (run.status !== 'success') problems.push(`job ${run.status}`);
  if (run.delivered !== expected) problems.push(`${run.delivered}/${expected} sites delivered`);
  if (errors.length > 0) problems.push(`engine errors: ${describeErrors(errors)}`);
  return problems;
}

/**
 * `BACKLOG_JOBS` finished jobs of the organization, `BACKLOG_AGE_DAYS` old, with `LINES_PER_JOB` log lines each:
 * set-based inserts as the connection role, a hundred jobs' lines per statement.
 */
async function seedBacklog(bench: BenchDatabase, orgId: string): Promise<number> {
  const run = (text: string, values: unknown[]) => bench.database.executeSql(text, values);
  await run(
    `INSERT INTO sync_jobs (organization_id, status, trigger, created_at, started_at, completed_at)
     SELECT $1, 'success', 'manual', at, at, at + interval '2 seconds'
       FROM (SELECT now() - $2::int * interval '1 day' + n * interval '1 minute' AS at
               FROM generate_series(1, $3::int) AS n) AS t`,
    [orgId, BACKLOG_AGE_DAYS, BACKLOG_JOBS],
  );
  for (let offset = 0; offset < BACKLOG_JOBS; offset += 100) {
    await run(
      `INSERT INTO job_logs (organization_id, job_id, level, message, created_at)
       SELECT j.organization_id, j.id, 'info', 'site-' || lpad(n::text, 5, '0') || ': delivered (200, 12 ms).',
              j.created_at
         FROM (SELECT organization_id, id, created_at FROM sync_jobs
                WHERE organization_id = $1 AND created_at < now() - interval '30 days'
                ORDER BY created_at, id OFFSET $2 LIMIT 100) AS j,
              generate_series(1, $3::int) AS n`,
      [orgId, offset, LINES_PER_JOB],
    );
  }
  const { rows } = await run(`SELECT count(*)::int AS n FROM job_logs WHERE organization_id = $1`, [orgId]);
  return (rows[0] as { n: number }).n;
}

const totalRows = (result: PruneResult) => Object.values(result.rows).reduce((sum, count) => sum + count, 0);

/**
 * Pruning under load: a 1,000-site sync alone and with a prune of a million-line backlog running from its start to
 * its end, alternating (one warm-up of each first), on this process's own connection as the scheduled job would
 * use one of its own.
 */
export async function runPruningUnderLoad(options: {
  bench: BenchDatabase;
  receiverOrigin: string;
  runs: number;
  progress: (message: string) => void;
}): Promise<{ results: FigureResult[]; setup: Record<string, unknown> }> {
  const { bench, runs, progress } = options;
  const receiver = connectReceiver(options.receiverOrigin);
  const database = bench.label;
  const service = await serviceWithoutSchedule(bench, receiver);
  try {
    const seeded = await fanOut(service, bench, receiver, LOAD_SITES);
    const orgId = seeded.headers['x-organization-id']!;
    const seedStarted = performance.now();
    const backlog = await seedBacklog(bench, orgId);
    const setup = {
      retentionBacklogLines: backlog,
      retentionBacklogSeedMs: Math.round(performance.now() - seedStarted),
    };
    await refreshStatistics(bench.database.db);

    const alone: SyncRun[] = [];
    const beside: SyncRun[] = [];
    const rates: number[] = [];
    const notes: string[] = [];
    for (let index = 0; index <= runs; index++) {
      const name = index === 0 ? 'warm-up' : `run ${index}/${runs}`;
      await sleep(200);
      progress(`retention: 1,000-site sync alone on ${database}: ${name}`);
      let errorsBefore = service.errors.length;
      const quiet = await sync(service, bench, receiver, seeded);
      const quietProblems = problemsOf(quiet, LOAD_SITES, service.errors.slice(errorsBefore));
      if (quietProblems.length > 0) notes.push(`${name}, alone: ${quietProblems.join('; ')}`);

      await sleep(200);
      progress(`retention: 1,000-site sync with a prune running on ${database}: ${name}`);
      errorsBefore = service.errors.length;
      const stop = new AbortController();
      const pruneStarted = performance.now();
      const prune = pruneOnce(
        { db: bench.database.db, log: silent },
        { retentionDays: 30, signal: stop.signal, maxRunMs: Number.POSITIVE_INFINITY },
      );
      const busy = await sync(service, bench, receiver, seeded);
      stop.abort();
      const pruned = await prune;
      const pruneSeconds = (performance.now() - pruneStarted) / 1000;
      const busyProblems = problemsOf(busy, LOAD_SITES, service.errors.slice(errorsBefore));
      if (pruned.complete) busyProblems.push('the prune ran out of rows before the sync ended');
      if (busyProblems.length > 0) notes.push(`${name}, with a prune: ${busyProblems.join('; ')}`);
      if (index === 0) continue;
      alone.push(quiet);
      beside.push(busy);
      rates.push(totalRows(pruned) / pruneSeconds);
    }

    const seconds = (list: SyncRun[]) => summarize(list.map((run) => run.ms / 1000));
    const aloneSummary = seconds(alone);
    const besideSummary = seconds(beside);
    const pairRatios = alone.map((run, index) => beside[index]!.ms / run.ms);
    const ratio: Summary = {
      ...summarize(pairRatios),
      median: besideSummary.median / aloneSummary.median,
    };
    const shared = { database, first: null, pass: null, ratioToRaw: null, incomplete: false };
    return {
      setup,
      results: [
        {
          ...shared,
          figure: 'Retention: 1,000-site sync alone',
          unit: 's',
          summary: aloneSummary,
          goal: null,
          notes,
        },
        {
          ...shared,
          figure: `Retention: 1,000-site sync with a prune of a ${(backlog / 1e6).toFixed(1)}M-line backlog running`,
          unit: 's',
          summary: besideSummary,
          goal: null,
        },
        {
          ...shared,
          figure: 'Retention: sync time with the prune / alone (medians)',
          unit: 'ratio',
          summary: ratio,
          goal: { op: '<=', value: 1.2, source: 'retention goal' },
          details: { pairRatios },
        },
        {
          ...shared,
          figure: 'Retention: rows pruned per second during the sync',
          unit: 'rows/s',
          summary: summarize(rates),
          goal: null,
        },
      ],
    };
  } finally {
    await service.close();
  }
}

/** What the database takes: pg_database_size on PostgreSQL; on PGlite its tables', with their indexes and TOAST. */
async function databaseBytes(bench: BenchDatabase): Promise<number> {
  const { rows } = await bench.database.executeSql(
    bench.kind === 'postgres'
      ? `SELECT pg_database_size(current_database())::bigint AS bytes`
      : `SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'm') AND n.nspname IN ('public', 'pgboss')`,
  );
  return Number((rows[0] as { bytes: string | number }).bytes);
}

/** A day passes for the prunable tables: every timestamp the retention job compares moves one day back. */
async function oneDayLater(bench: BenchDatabase): Promise<void> {
  const day = `interval '1 day'`;
  await bench.database.exec(`
    UPDATE sync_jobs SET created_at = created_at - ${day}, started_at = started_at - ${day},
                         completed_at = completed_at - ${day};
    UPDATE job_logs SET created_at = created_at - ${day};
    UPDATE deliveries SET created_at = created_at - ${day}, updated_at = updated_at - ${day},
                          completed_at = completed_at - ${day};
    UPDATE payloads SET created_at = created_at - ${day};`);
}

/**
 * Steady state: STEADY_ROUNDS simulated days, each a 200-site sync, a day's shift of the prunable tables'
 * timestamps, a prune with RETENTION_DAYS=3, and the VACUUM that autovacuum would have run in a day; the database's
 * size after each. It should stop growing once the first days fall out of the window.
 */
export async function runSteadyState(options: {
  bench: BenchDatabase;
  receiverOrigin: string;
  progress: (message: string) => void;
}): Promise<{ results: FigureResult[]; setup: Record<string, unknown> }> {
  const { bench, progress } = options;
  const receiver = connectReceiver(options.receiverOrigin);
  const database = bench.label;
  const service = await serviceWithoutSchedule(bench, receiver);
  try {
    const seeded = await fanOut(service, bench, receiver, STEADY_SITES);
    await refreshStatistics(bench.database.db);
    const sizes: number[] = [];
    const pruned: number[] = [];
    const notes: string[] = [];
    for (let round = 1; round <= STEADY_ROUNDS; round++) {
      progress(`retention: steady state on ${database}: day ${round}/${STEADY_ROUNDS}`);
      const errorsBefore = service.errors.length;
      const run = await sync(service, bench, receiver, seeded);
      const problems = problemsOf(run, STEADY_SITES, service.errors.slice(errorsBefore));
      if (problems.length > 0) notes.push(`day ${round}: ${problems.join('; ')}`);
      await sleep(200); // the sync's last queue completions
      await oneDayLater(bench);
      const result = await pruneOnce(
        { db: bench.database.db, log: silent },
        { retentionDays: STEADY_RETENTION_DAYS, pauseRatio: 0, maxRunMs: Number.POSITIVE_INFINITY },
      );
      pruned.push(totalRows(result));
      await bench.database.exec('VACUUM sync_jobs, job_logs, deliveries, payloads');
      sizes.push((await databaseBytes(bench)) / KB);
    }
    const half = STEADY_ROUNDS / 2;
    const growth = (from: number, to: number) => sizes[to - 1]! - sizes[from - 1]!;
    const shared = { database, first: null, pass: null, ratioToRaw: null, incomplete: false, goal: null };
    const details = { sizesKb: sizes.map(Math.round), rowsPrunedPerDay: pruned };
    return {
      setup: {},
      results: [
        {
          ...shared,
          figure: `Retention, steady state (${STEADY_SITES}-site sync a day, RETENTION_DAYS=${STEADY_RETENTION_DAYS}): growth over days 1–${half}`,
          unit: 'kB',
          summary: summarize([growth(1, half)]),
          notes,
          details,
        },
        {
          ...shared,
          figure: `Retention, steady state: growth over days ${half}–${STEADY_ROUNDS}`,
          unit: 'kB',
          summary: summarize([growth(half, STEADY_ROUNDS)]),
        },
      ],
    };
  } finally {
    await service.close();
  }
}
