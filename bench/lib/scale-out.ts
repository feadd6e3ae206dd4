import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startBenchApp } from './bench-app.js';
import { describeErrors, fanOutTimeoutMs, medianTimeline, repeat } from './database-figures.js';
import type { BenchDatabase } from './databases.js';
import { connectReceiver } from './receiver-process.js';
import type { FigureResult } from './report.js';
import { refreshStatistics, seedFanOut } from './seed.js';
import { summarize } from './stats.js';
import { timeSync, type SyncRun } from './sync-run.js';

const CLI = fileURLToPath(new URL('../../apps/server/bin/datasync.mjs', import.meta.url));
const READY = 'DataSync worker is running';
const MB = 1024 * 1024;

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * `count` real `datasync worker` processes on the bench's database, as an operator would run them: the same
 * SECRET_KEY as the API (so they can open the sites' signing secrets), the receiver allowed by the SSRF guard.
 * Errors they log (pino level ≥ 50) are collected into `errors`, in the shape the run notes expect.
 */
export async function startWorkers(
  count: number,
  setup: { databaseUrl: string; secretKey: string; receiverOrigin: string; nodeOptions?: string },
  errors: unknown[],
): Promise<WorkerProcess[]> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: setup.databaseUrl,
    SECRET_KEY: setup.secretKey,
    ALLOWED_DESTINATION_ORIGINS: setup.receiverOrigin,
    ...(setup.nodeOptions ? { NODE_OPTIONS: setup.nodeOptions } : {}),
    // V8's flags cannot go in NODE_OPTIONS: the bench's HEAP_GROWING_PERCENT reaches the workers as theirs.
    ...(process.env.HEAP_GROWING_PERCENT ? { HEAP_GROWING_PERCENT: process.env.HEAP_GROWING_PERCENT } : {}),
  };
  const workers = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, [CLI, 'worker'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, exited };
  });
  await Promise.all(
    workers.map(
      ({ child }) =>
        new Promise<void>((resolve, reject) => {
          let pending = '';
          const onLine = (line: string) => {
            if (line.includes(READY)) resolve();
            try {
              const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
              if ((entry.level ?? 0) >= 50)
                errors.push([{ err: entry.err ?? { message: entry.msg } }, entry.msg]);
            } catch {
              // not a log line (e.g. a stack trace printed by Node): kept out of the notes
            }
          };
          const read = (chunk: Buffer) => {
            pending += chunk.toString();
            const lines = pending.split('\n');
            pending = lines.pop()!;
            lines.forEach(onLine);
          };
          child.stdout!.on('data', read);
          child.stderr!.on('data', read);
          child.once('exit', (code) => reject(new Error(`a worker exited before it was ready (${code})`)));
        }),
    ),
  );
  return workers;
}

/** A process's peak resident set since it started (VmHWM), in bytes: exact, where sampling could miss the top. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmHWM for process ${pid}`);
  return Number(match[1]) * 1024;
}

export async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  for (const { child } of workers) child.kill('SIGTERM');
  const killer = setTimeout(() => workers.forEach(({ child }) => child.kill('SIGKILL')), 15_000);
  await Promise.all(workers.map(({ exited }) => exited));
  clearTimeout(killer);
}

/**
 * Figure 5: the fan-out sync with 1, 2 and 4 `datasync worker` processes on PostgreSQL. The service in this process
 * only takes the API call and plans nothing (its worker is off); the workers plan and deliver. On a 2-core machine
 * more processes cannot be faster: the figure shows what coordinating them costs (pg-boss fetches under SKIP LOCKED,
 * claims and group commits from several processes).
 */
export async function runScaleOutFigures(options: {
  bench: BenchDatabase;
  receiverOrigin: string;
  runs: number;
  siteCount: number;
  workerCounts: number[];
  /** NODE_OPTIONS of the worker processes (e.g. a heap limit), as an operator may set them. */
  workerNodeOptions: string;
  rawMedian: number | null;
  progress: (message: string) => void;
}): Promise<{ results: FigureResult[]; setup: Record<string, unknown> }> {
  const { bench, runs, siteCount, progress } = options;
  const flags = options.workerNodeOptions ? ` (NODE_OPTIONS=${options.workerNodeOptions})` : '';
  if (bench.kind !== 'postgres' || !bench.url)
    throw new Error('the scale-out figure runs on PostgreSQL only');
  const receiver = connectReceiver(options.receiverOrigin);
  const secretKey = randomBytes(32).toString('base64url');
  const service = await startBenchApp(bench, receiver.origin, { worker: false, secretKey });
  const results: FigureResult[] = [];
  const setup: Record<string, unknown> = {};
  try {
    const started = performance.now();
    const fanOut = await seedFanOut(service.app, bench.database.db, {
      receiverOrigin: receiver.origin,
      encryptionKey: service.keys.encryption,
      siteCount,
      itemsPerSite: 4,
      itemBytes: 4 * 1024,
    });
    setup.scaleOutSeedMs = Math.round(performance.now() - started);
    const count = siteCount.toLocaleString('en-US');
    for (const workerCount of options.workerCounts) {
      const errors: unknown[] = [];
      progress(`scale-out: starting ${workerCount} worker process(es)`);
      const workers = await startWorkers(
        workerCount,
        {
          databaseUrl: bench.url,
          secretKey,
          receiverOrigin: receiver.origin,
          nodeOptions: options.workerNodeOptions,
        },
        errors,
      );
      try {
        const series = await repeat({
          label: `${siteCount}-site sync, ${workerCount} worker process(es)`,
          afterWarmUp: () => refreshStatistics(bench.database.db),
          database: bench.label,
          runs,
          expected: siteCount,
          service: { errors },
          progress,
          run: () =>
            timeSync({
              app: service.app,
              bench,
              headers: fanOut.headers,
              receiver,
              timeoutMs: fanOutTimeoutMs(siteCount),
            }),
        });
        const peaks = await Promise.all(workers.map(({ child }) => peakRss(child.pid!)));
        const perSecond = (run: SyncRun) => run.delivered / (run.ms / 1000);
        const rates = summarize(series.measured.map(perSecond));
        results.push({
          figure: `${count}-site sync, ${workerCount} \`datasync worker\` process${workerCount > 1 ? 'es' : ''}${flags}: deliveries/s`,
          database: bench.label,
          unit: 'deliveries/s',
          summary: rates,
          first: perSecond(series.first),
          goal: null,
          pass: null,
          ratioToRaw: options.rawMedian ? rates.median / options.rawMedian : null,
          notes: series.notes,
          incomplete: series.incomplete,
          details: {
            workers: workerCount,
            seconds: summarize(series.measured.map((run) => run.ms / 1000)),
            medianTimeline: medianTimeline(series.measured),
            engineErrors: errors.length > 0 ? describeErrors(errors) : null,
          },
        });
        const peak = Math.max(...peaks) / MB;
        results.push({
          figure: `Peak RSS of a \`datasync worker\` process (VmHWM) over its ${count}-site syncs, ${workerCount} process${workerCount > 1 ? 'es' : ''}${flags}`,
          database: bench.label,
          unit: 'MB',
          summary: summarize([peak]),
          first: null,
          goal: { op: '<', value: 300, source: 'sync goal' },
          pass: null,
          ratioToRaw: null,
          details: {
            perProcessMb: peaks.map((bytes) => Math.round(bytes / MB)),
            note: 'the peak since the process started: one value per process, not a median of runs',
          },
        });
      } finally {
        await stopWorkers(workers);
      }
    }
    return { results, setup };
  } finally {
    await service.close();
  }
}
