import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runDatabaseFigures } from './database-figures.js';
import { openBenchPglite, openBenchPostgres, type DatabaseKind } from './databases.js';
import type { FigureResult } from './report.js';

// Figures 2–4 run in a fresh process per database, so that the service's RSS is its own (not the raw ceiling's
// buffers, nor a closed PGlite's memory, which a process never gives back) and nothing left running by one
// database's runs can slow the next.

export interface ChildOptions {
  kind: DatabaseKind;
  serverUrl?: string;
  receiverOrigin: string;
  runs: number;
  siteCount: number;
  only: string[];
  rawMedian: number | null;
}

export interface ChildAnswer {
  results: FigureResult[];
  setup: Record<string, unknown>;
}

const SELF = fileURLToPath(import.meta.url);

/** Runs the database figures in a child `node` (with this process's flags, e.g. tsx and --cpu-prof). */
export function runDatabaseInChild(options: ChildOptions): Promise<ChildAnswer> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, [JSON.stringify(options)], { execArgv: process.execArgv, stdio: 'inherit' });
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
    const figures = await runDatabaseFigures({
      bench,
      receiverOrigin: options.receiverOrigin,
      runs: options.runs,
      siteCount: options.siteCount,
      only: new Set(options.only),
      rawMedian: options.rawMedian,
      progress,
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
