import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runApiFigures } from './api-load.js';
import { runDatabaseFigures } from './database-figures.js';
import { openBenchPglite, openBenchPostgres, type DatabaseKind } from './databases.js';
import type { FigureResult } from './report.js';
import { runPruningUnderLoad, runSteadyState } from './retention-figures.js';
import { runScaleOutFigures } from './scale-out.js';

// The database figures run in a fresh process per database and group, so that the service's RSS is its own (not the raw ceiling's
// buffers, nor a closed PGlite's memory, which a process never gives back) and nothing left running by one
// database's runs can slow the next.

export interface ChildOptions {
  /**
   * sync: the demo and fan-out figures (2–4); scale: figure 5 (PostgreSQL); api: figure 6; retention-load and
   * retention-steady: the retention figures.
   */
  group: 'sync' | 'scale' | 'api' | 'retention-load' | 'retention-steady';
  kind: DatabaseKind;
  serverUrl?: string;
  receiverOrigin: string;
  runs: number;
  siteCounts: number[];
  /** scale: the sites of its sync, and the numbers of worker processes to try. */
  scaleSites: number;
  workerCounts: number[];
  workerNodeOptions: string;
  /** api: seconds of load per run. */
  apiSeconds: number;
  only: string[];
  rawMedian: number | null;
}

export interface ChildAnswer {
  results: FigureResult[];
  setup: Record<string, unknown>;
}

// The bench runs compiled (bench/build.mjs): every process entry is a bundle in bench/dist, this one among them.
const SELF = fileURLToPath(new URL('./database-child.js', import.meta.url));

/** Runs the database figures in a child `node` (with this process's flags, e.g. --cpu-prof). */
export function runDatabaseInChild(options: ChildOptions): Promise<ChildAnswer> {
  return new Promise((resolve, reject) => {
    // --expose-gc: the harness collects its own garbage (the seeding's) before it samples the service's RSS.
    const child = fork(SELF, [JSON.stringify(options)], {
      execArgv: [...process.execArgv, '--expose-gc'],
      stdio: 'inherit',
    });
    let answer: ChildAnswer | undefined;
    child.on('message', (message) => (answer = message as ChildAnswer));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      answer
        ? resolve(answer)
        : reject(new Error(`the ${options.kind} bench process ended (${code ?? signal})`)),
    );
  });
}

async function main(options: ChildOptions): Promise<ChildAnswer> {
  const progress = (message: string) => process.stderr.write(`· ${message}\n`);
  progress(`opening ${options.kind} (create + migrate) in process ${process.pid}`);
  const opened = performance.now();
  const bench =
    options.kind === 'pglite' ? await openBenchPglite() : await openBenchPostgres(options.serverUrl!);
  const openAndMigrateMs = Math.round(performance.now() - opened);
  try {
    const shared = { bench, receiverOrigin: options.receiverOrigin, runs: options.runs, progress };
    const figures =
      options.group === 'scale'
        ? await runScaleOutFigures({
            ...shared,
            siteCount: options.scaleSites,
            workerCounts: options.workerCounts,
            workerNodeOptions: options.workerNodeOptions,
            rawMedian: options.rawMedian,
          })
        : options.group === 'api'
          ? await runApiFigures({ ...shared, seconds: options.apiSeconds })
          : options.group === 'retention-load'
            ? await runPruningUnderLoad(shared)
            : options.group === 'retention-steady'
              ? await runSteadyState(shared)
              : await runDatabaseFigures({
                  ...shared,
                  siteCounts: options.siteCounts,
                  only: new Set(options.only),
                  rawMedian: options.rawMedian,
                });
    return {
      results: figures.results,
      setup: { version: bench.version, openAndMigrateMs, ...figures.setup },
    };
  } finally {
    await bench.close();
  }
}

if (process.argv[1] === SELF && process.send) {
  const answer = await main(JSON.parse(process.argv[2]!) as ChildOptions);
  process.send(answer, () => process.exit(0));
}
