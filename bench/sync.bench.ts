// `npm run bench`: DataSync's sync figures against the machine's own ceiling. See docs/benchmarks.md.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { measureDeliveryClient } from './lib/delivery-client.js';
import { runDatabaseInChild } from './lib/database-child.js';
import { runLiveInChild } from './lib/live-latency.js';
import { postgresServerUrl, type DatabaseKind } from './lib/databases.js';
import { measureRawCeiling, type RawRun } from './lib/raw-ceiling.js';
import { startReceiverProcess } from './lib/receiver-process.js';
import { judge, markdownTable, notesOf, textTable, type FigureResult } from './lib/report.js';
import { serverPackageVersion } from './lib/server-undici.js';
import { summarize } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    db: { type: 'string', default: 'all' },
    only: { type: 'string', default: 'raw,client,demo,sites,live,scale,api,retention' },
    streams: { type: 'string', default: '50' },
    sites: { type: 'string', default: '1000,10000' },
    'live-sites': { type: 'string', default: '1000' },
    'scale-sites': { type: 'string', default: '10000' },
    workers: { type: 'string', default: '1,2,4' },
    'worker-node-options': { type: 'string', default: '' },
    'api-seconds': { type: 'string', default: '5' },
    'raw-requests': { type: 'string' },
    markdown: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`npm run bench -- [options]
  --runs N            measured runs per figure (default 5; 3 with --quick), after one uncounted warm-up run
  --quick             fewer runs and raw requests, for a quick look
  --db pglite|postgres|all   which databases (PostgreSQL needs BENCH_DATABASE_URL or DATABASE_URL)
  --only LIST         figures to run: raw,client,demo,sites,live,scale,api,retention (default all)
  --sites LIST        site counts of the fan-out syncs (default 1000,10000)
  --live-sites N      sites in the sync during the live figures (default 1000)
  --streams N         SSE streams open during the live figures (default 50)
  --scale-sites N     sites in the scale-out sync (default 10000; PostgreSQL only)
  --workers LIST      numbers of \`datasync worker\` processes in the scale-out figure (default 1,2,4)
  --worker-node-options S   NODE_OPTIONS for those worker processes, e.g. --max-old-space-size=160
  --api-seconds N     seconds of autocannon load per API run (default 5)
  --raw-requests N    requests per raw-ceiling run (default 5000; 2000 with --quick)
  --markdown          also print the table as Markdown`);
  process.exit(0);
}

const runs = Number(args.runs ?? (args.quick ? 3 : 5));
const rawRequests = Number(args['raw-requests'] ?? (args.quick ? 2000 : 5000));
const numbers = (list: string) => list.split(',').map(Number);
const siteCounts = numbers(args.sites);
const liveSites = Number(args['live-sites']);
const scaleSites = Number(args['scale-sites']);
const workerCounts = numbers(args.workers);
const apiSeconds = Number(args['api-seconds']);
const only = new Set(args.only.split(','));
const FIGURES = ['raw', 'client', 'demo', 'sites', 'live', 'scale', 'api', 'retention'];
const unknown = [...only].filter((name) => !FIGURES.includes(name));
const positive = (value: number) => Number.isInteger(value) && value >= 1;
if (
  !(runs >= 1 && rawRequests >= 1 && positive(liveSites) && positive(scaleSites) && positive(apiSeconds)) ||
  ![...siteCounts, ...workerCounts].every(positive) ||
  unknown.length > 0 ||
  !['pglite', 'postgres', 'all'].includes(args.db)
) {
  console.error('Bad options (see --help).');
  process.exit(2);
}
const CONNECTIONS = 64;
const BODY_BYTES = 16 * 1024;
const SMALL_BODY_BYTES = 1024;
const progress = (message: string) => process.stderr.write(`· ${message}\n`);

const receiver = await startReceiverProcess();
const results: FigureResult[] = [];
const setup: Record<string, unknown> = {};
const startedAt = new Date();

async function repeat<T>(label: string, run: () => Promise<T>): Promise<{ first: T; measured: T[] }> {
  progress(`${label}: warm-up`);
  const first = await run();
  const measured: T[] = [];
  for (let index = 0; index < runs; index++) {
    progress(`${label}: run ${index + 1}/${runs}`);
    measured.push(await run());
  }
  return { first, measured };
}

function throughputFigure(
  figure: string,
  { first, measured }: { first: RawRun; measured: RawRun[] },
  bodyBytes = BODY_BYTES,
): FigureResult {
  const failures = [first, ...measured].reduce((sum, run) => sum + run.failures, 0);
  if (failures > 0) throw new Error(`${figure}: ${failures} request(s) failed`);
  return {
    figure,
    database: '—',
    unit: 'req/s',
    summary: summarize(measured.map((run) => run.perSecond)),
    first: first.perSecond,
    goal: null,
    pass: null,
    ratioToRaw: null,
    details: { requests: rawRequests, connections: CONNECTIONS, bodyBytes },
  };
}

let rawMedian: number | null = null;
try {
  const url = `${receiver.origin}/raw`;
  if (only.has('raw')) {
    const raw = throughputFigure(
      `Raw ceiling: undici → node:http, 16 KB signed POSTs`,
      await repeat('raw ceiling', () =>
        measureRawCeiling({ url, requests: rawRequests, connections: CONNECTIONS, bodyBytes: BODY_BYTES }),
      ),
    );
    rawMedian = raw.summary.median;
    const small = throughputFigure(
      `Raw ceiling: undici → node:http, 1 KB signed POSTs`,
      await repeat('raw ceiling, 1 KB', () =>
        measureRawCeiling({
          url,
          requests: rawRequests,
          connections: CONNECTIONS,
          bodyBytes: SMALL_BODY_BYTES,
        }),
      ),
      SMALL_BODY_BYTES,
    );
    results.push(small, raw);
  }
  if (only.has('client')) {
    const client = throughputFigure(
      'Delivery client only (deliver.ts, no database)',
      await repeat('delivery client', () =>
        measureDeliveryClient({
          origin: receiver.origin,
          requests: rawRequests,
          concurrency: CONNECTIONS,
          bodyBytes: BODY_BYTES,
        }),
      ),
    );
    client.ratioToRaw = rawMedian ? client.summary.median / rawMedian : null;
    results.push(client);
  }

  const serverUrl = postgresServerUrl();
  const kinds = (args.db === 'all' ? ['pglite', 'postgres'] : [args.db]).filter(
    (kind) => kind === 'pglite' || serverUrl,
  );
  if (args.db === 'postgres' && !serverUrl)
    throw new Error('--db postgres needs BENCH_DATABASE_URL or DATABASE_URL');
  const databaseFigures = ['demo', 'sites', 'scale', 'api', 'retention'].some((name) => only.has(name));
  if (databaseFigures && !serverUrl && args.db === 'all') {
    progress('PostgreSQL skipped: set BENCH_DATABASE_URL or DATABASE_URL to include it');
  }
  const childOptions = {
    serverUrl,
    receiverOrigin: receiver.origin,
    runs,
    siteCounts,
    scaleSites,
    workerCounts,
    workerNodeOptions: args['worker-node-options'],
    apiSeconds,
    only: [...only],
    rawMedian,
  };
  for (const kind of kinds as DatabaseKind[]) {
    // Each group in a fresh process and database: one group's data and leftovers cannot slow the next.
    const groups = [
      ...(only.has('demo') || only.has('sites') ? (['sync'] as const) : []),
      ...(only.has('scale') && kind === 'postgres' ? (['scale'] as const) : []),
      ...(only.has('api') ? (['api'] as const) : []),
      ...(only.has('retention') ? (['retention-load', 'retention-steady'] as const) : []),
    ];
    for (const group of groups) {
      const answer = await runDatabaseInChild({ ...childOptions, group, kind });
      setup[kind] = { ...(setup[kind] as object), ...answer.setup };
      results.push(...answer.results);
    }
  }
  for (const kind of only.has('live') ? kinds : []) {
    // On PostgreSQL also with the worker in its own process: the streams' process then only serves.
    for (const separateWorker of kind === 'postgres' ? [false, true] : [false]) {
      const answer = await runLiveInChild({
        kind: kind as DatabaseKind,
        serverUrl,
        receiverOrigin: receiver.origin,
        runs,
        siteCount: liveSites,
        streams: Number(args.streams),
        separateWorker,
      });
      setup[kind] = { ...(setup[kind] as object), ...answer.setup };
      results.push(...answer.results);
    }
  }
} finally {
  await receiver.stop();
}

for (const result of results) result.pass = judge(result);

const report = {
  startedAt: startedAt.toISOString(),
  durationS: Math.round((Date.now() - startedAt.getTime()) / 1000),
  machine: {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()}`,
    node: process.version,
  },
  versions: {
    undici: serverPackageVersion('undici'),
    pglite: serverPackageVersion('@electric-sql/pglite'),
    pgBoss: serverPackageVersion('pg-boss'),
  },
  options: {
    runs,
    rawRequests,
    siteCounts,
    liveSites,
    scaleSites,
    workerCounts,
    apiSeconds,
    connections: CONNECTIONS,
    bodyBytes: BODY_BYTES,
  },
  setup,
  results,
};
// This module runs as bench/dist/sync.bench.js (bench/build.mjs); the results folder is bench/results.
const resultsFolder = new URL('../results/', import.meta.url);
const file = new URL(`sync-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`, resultsFolder);
await mkdir(resultsFolder, { recursive: true });
await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);

console.log(
  `\nDataSync sync bench — ${report.machine.nproc} cores (${report.machine.cpu}), Node ${process.version}, ` +
    `median of ${runs} runs after one warm-up (shown as "1st run")\n`,
);
console.log(textTable(results));
const notes = notesOf(results);
if (notes.length > 0) console.log(`\n${notes.join('\n')}`);
for (const result of results) {
  const details = result.details as
    { medianTimeline?: Record<string, number | null>; medianLoopStallMs?: number } | undefined;
  if (!details?.medianTimeline) continue;
  const parts = Object.entries(details.medianTimeline).map(
    ([key, value]) => `${key} ${value === null ? '—' : value.toFixed(0)}`,
  );
  const stall =
    details.medianLoopStallMs === undefined
      ? ''
      : `\n  longest event-loop stall (median of runs): ${details.medianLoopStallMs.toFixed(0)} ms`;
  console.log(
    `\n${result.figure} [${result.database}]\n  median ms after the POST: ${parts.join(', ')}${stall}`,
  );
}
for (const result of results) {
  const sizes = (result.details as { sizesKb?: number[] } | undefined)?.sizesKb;
  if (sizes) console.log(`\n${result.figure} [${result.database}]\n  kB after each day: ${sizes.join(', ')}`);
}
for (const [kind, info] of Object.entries(setup)) console.log(`\nSet-up on ${kind}: ${JSON.stringify(info)}`);
if (args.markdown) console.log(`\n${markdownTable(results)}`);
console.log(`\nWritten: ${file.pathname}`);
