import { setTimeout as sleep } from 'node:timers/promises';
import { startBenchApp, type BenchApp } from './bench-app.js';
import type { BenchDatabase } from './databases.js';
import { connectReceiver } from './receiver-process.js';
import type { FigureResult } from './report.js';
import { sampleRss } from './rss.js';
import { refreshStatistics, seedDemo, seedFanOut } from './seed.js';
import { summarize } from './stats.js';
import { timeSync, type SyncRun, type Timeline } from './sync-run.js';

const MB = 1024 * 1024;
const ITEMS_PER_SITE = 4;
const ITEM_BYTES = 4 * 1024;
const DEMO_TIMEOUT_MS = 30_000;
/** A minute per 1,000 sites: a limit for a run gone wrong, far above any normal run. */
export const fanOutTimeoutMs = (siteCount: number) => 60_000 * Math.max(1, siteCount / 1000);

export function medianTimeline(runs: SyncRun[]): Record<keyof Timeline, number | null> {
  const keys = Object.keys(runs[0]!.timeline) as (keyof Timeline)[];
  return Object.fromEntries(
    keys.map((key) => {
      const values = runs.map((run) => run.timeline[key]).filter((value): value is number => value !== null);
      return [key, values.length > 0 ? summarize(values).median : null];
    }),
  ) as Record<keyof Timeline, number | null>;
}

/** "3× deadlock detected (40P01)": the engine's logged errors, grouped by their database or error message. */
export function describeErrors(errors: unknown[]): string {
  const counts = new Map<string, number>();
  for (const args of errors) {
    const first = (Array.isArray(args) ? args[0] : args) as { err?: { message?: string; cause?: unknown } };
    const cause = first?.err?.cause as { message?: string; code?: string } | undefined;
    const text = cause?.message
      ? `${cause.message}${cause.code ? ` (${cause.code})` : ''}`
      : String(first?.err?.message ?? JSON.stringify(first)).slice(0, 120);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts].map(([text, count]) => `${count}× ${text}`).join('; ');
}

export interface Repeated {
  first: SyncRun;
  measured: SyncRun[];
  notes: string[];
  /** A run hit its time limit; later runs were skipped. */
  incomplete: boolean;
}

/**
 * One warm-up run and then `runs` measured ones. A run that reaches no final status within `timeoutMs` ends the
 * series (its value stays, as a lower bound). Anything odd is kept as a note: a failed job, sites not delivered,
 * duplicate sends, errors the engine logged.
 */
export async function repeat(options: {
  label: string;
  database: string;
  runs: number;
  expected: number;
  /** Where the engine's logged errors collect (a run's new ones become a note). */
  service: Pick<BenchApp, 'errors'>;
  progress: (message: string) => void;
  run: () => Promise<SyncRun>;
  /** Runs between the warm-up and the first measured run. */
  afterWarmUp?: () => Promise<void>;
}): Promise<Repeated> {
  const all: SyncRun[] = [];
  const notes: string[] = [];
  for (let index = 0; index <= options.runs; index++) {
    const name = index === 0 ? 'warm-up' : `run ${index}/${options.runs}`;
    if (index > 0) await sleep(200); // let the previous job's stragglers (queue completions, GC) settle
    options.progress(`${options.label} on ${options.database}: ${name}`);
    const errorsBefore = options.service.errors.length;
    const run = await options.run();
    all.push(run);
    if (index === 0) await options.afterWarmUp?.();
    const problems: string[] = [];
    if (run.status === 'timeout') problems.push(`no final status after ${(run.ms / 1000).toFixed(0)} s`);
    else if (run.status !== 'success') problems.push(`job ${run.status}`);
    if (run.delivered !== options.expected)
      problems.push(`${run.delivered}/${options.expected} sites delivered`);
    if (run.received > options.expected) problems.push(`${run.received - options.expected} duplicate sends`);
    const errors = options.service.errors.slice(errorsBefore);
    if (errors.length > 0) problems.push(`engine errors: ${describeErrors(errors)}`);
    if (problems.length > 0) notes.push(`${name}: ${problems.join('; ')}`);
    if (run.status === 'timeout') {
      if (index < options.runs) notes.push(`remaining runs skipped after the time-out`);
      return { first: all[0]!, measured: all.length > 1 ? all.slice(1) : all, notes, incomplete: true };
    }
  }
  return { first: all[0]!, measured: all.slice(1), notes, incomplete: false };
}

/**
 * A full garbage collection of this process's main thread, where the harness seeded thousands of sites: without it
 * that thread, idle during the syncs, kept ~120 MB of the seeding's dead objects (V8 collects when a thread
 * allocates), counted as the service's RSS. The engine thread's heap is not touched.
 */
function collectSeedingGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Figures 2–4 on one database: the demo sync, the fan-out sync (time, deliveries/s) and peak RSS during it. */
export async function runDatabaseFigures(options: {
  bench: BenchDatabase;
  receiverOrigin: string;
  runs: number;
  siteCounts: number[];
  only: Set<string>;
  rawMedian: number | null;
  progress: (message: string) => void;
}): Promise<{ results: FigureResult[]; setup: Record<string, unknown> }> {
  const { bench, runs, progress } = options;
  const receiver = connectReceiver(options.receiverOrigin);
  const database = bench.label;
  const results: FigureResult[] = [];
  const setup: Record<string, unknown> = {};
  const service = await startBenchApp(bench, receiver.origin);
  const common = { database, runs, service, progress };
  try {
    const { app } = service;
    const db = bench.database.db;

    if (options.only.has('demo')) {
      const started = performance.now();
      const demo = await seedDemo(app, db, receiver.origin);
      setup.demoSeedMs = Math.round(performance.now() - started);
      const series = await repeat({
        ...common,
        label: '3-site demo sync',
        expected: 3,
        run: () =>
          timeSync({
            app,
            bench,
            headers: demo.headers,
            receiver,
            timeoutMs: DEMO_TIMEOUT_MS,
          }),
      });
      results.push({
        figure: '3-site demo sync, API call → job success',
        database,
        unit: 'ms',
        summary: summarize(series.measured.map((run) => run.ms)),
        first: series.first.ms,
        goal: { op: '<', value: 100, source: 'sync goal' },
        pass: null,
        ratioToRaw: null,
        notes: series.notes,
        incomplete: series.incomplete,
        details: {
          medianTimeline: medianTimeline(series.measured),
          medianLoopStallMs: summarize(series.measured.map((run) => run.maxEventLoopDelayMs)).median,
          runs: series.measured,
          warmUp: series.first,
        },
      });
    }

    for (const siteCount of options.only.has('sites') ? options.siteCounts : []) {
      const started = performance.now();
      const fanOut = await seedFanOut(app, db, {
        receiverOrigin: receiver.origin,
        encryptionKey: service.keys.encryption,
        siteCount,
        itemsPerSite: ITEMS_PER_SITE,
        itemBytes: ITEM_BYTES,
      });
      setup[`fanOutSeedMs${siteCount}`] = Math.round(performance.now() - started);
      setup.fanOutSeedMethod =
        'org, content type and 8 items via the API (app.inject); sites and mappings by Drizzle inserts in one ' +
        'transaction as the app role (RLS applies)';
      collectSeedingGarbage();
      const peaks: number[] = [];
      const baselines: number[] = [];
      const series = await repeat({
        ...common,
        label: `${siteCount}-site sync`,
        expected: siteCount,
        afterWarmUp: () => refreshStatistics(db),
        run: async () => {
          const sampler = await sampleRss(50);
          baselines.push(sampler.before);
          const run = await timeSync({
            app,
            bench,
            headers: fanOut.headers,
            receiver,
            timeoutMs: fanOutTimeoutMs(siteCount),
          });
          peaks.push(await sampler.stop());
          return run;
        },
      });
      const measuredPeaks = peaks.length === 1 ? peaks : peaks.slice(1);
      const perSecond = (run: SyncRun) => run.delivered / (run.ms / 1000);
      const bodyBytes = series.measured.find((run) => run.meanBodyBytes > 0)?.meanBodyBytes ?? 0;
      const count = siteCount.toLocaleString('en-US');
      const rates = summarize(series.measured.map(perSecond));
      const shared = { database, notes: series.notes, incomplete: series.incomplete, pass: null };
      results.push(
        {
          ...shared,
          figure: `${count}-site sync (${(bodyBytes / 1024).toFixed(1)} KB bodies), API call → job success`,
          unit: 's',
          summary: summarize(series.measured.map((run) => run.ms / 1000)),
          first: series.first.ms / 1000,
          // The time goal is for 1,000 sites; other counts are measured without one.
          goal: siteCount === 1000 ? { op: '<', value: 1.5, source: 'sync goal' } : null,
          ratioToRaw: null,
          details: {
            meanBodyBytes: bodyBytes,
            medianTimeline: medianTimeline(series.measured),
            medianLoopStallMs: summarize(series.measured.map((run) => run.maxEventLoopDelayMs)).median,
            runs: series.measured.map(({ meanBodyBytes: _bytes, ...run }) => run),
            warmUp: series.first,
          },
        },
        {
          ...shared,
          figure: `${count}-site sync: deliveries/s, end to end`,
          notes: [],
          unit: 'deliveries/s',
          summary: rates,
          first: perSecond(series.first),
          goal: { op: '>=', value: 5000, source: 'sustained durable throughput goal' },
          ratioToRaw: options.rawMedian ? rates.median / options.rawMedian : null,
        },
        {
          ...shared,
          figure: `Peak RSS of the process during the ${count}-site sync`,
          notes: [],
          unit: 'MB',
          summary: summarize(measuredPeaks.map((peak) => peak / MB)),
          first: peaks[0]! / MB,
          goal: { op: '<', value: 300, source: 'sync goal' },
          ratioToRaw: null,
          details: {
            includes:
              bench.kind === 'pglite'
                ? 'the whole service and the in-memory PGlite database (its WASM heap) in one process'
                : 'the service process only; PostgreSQL runs in its own processes',
          },
        },
        {
          ...shared,
          figure: `RSS just before each ${count}-site sync (service idle, data loaded)`,
          notes: [],
          incomplete: false,
          unit: 'MB',
          summary: summarize(
            (baselines.length === 1 ? baselines : baselines.slice(1)).map((rss) => rss / MB),
          ),
          first: baselines[0]! / MB,
          goal: null,
          ratioToRaw: null,
        },
      );
    }
    setup.engineErrors = service.errors.length;
    return { results, setup };
  } finally {
    await service.close();
  }
}
