import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { startBenchApp } from './bench-app.js';
import type { BenchDatabase } from './databases.js';
import type { FigureResult } from './report.js';
import { seedApiOrganization } from './seed.js';
import { summarize } from './stats.js';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const CONNECTIONS = 10;

interface LoadRun {
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/**
 * One autocannon run in its own process (the CLI, `--json`), so the load generator does not share the service's
 * event loop — it does share the machine's 2 cores, like any local load test.
 */
function autocannon(url: string, headers: Record<string, string>, seconds: number): Promise<LoadRun> {
  const args = [AUTOCANNON, '--json', '-c', String(CONNECTIONS), '-d', String(seconds)];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      const result = JSON.parse(out) as {
        requests: { total: number };
        duration: number;
        latency: { p50: number; p99: number };
        non2xx: number;
        errors: number;
      };
      resolve({
        perSecond: result.requests.total / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
      });
    });
  });
}

/**
 * Figure 6: requests/s and p99 of two read routes the admin UI lives on, under 10 concurrent connections for
 * `seconds` each run: a page of the content list of an organization with 1,000 items, and the mappings of the
 * matrix (1,000 items × 2 of 10 sites). The service listens on a real port; requests carry the session cookie, as
 * the UI's do.
 */
export async function runApiFigures(options: {
  bench: BenchDatabase;
  receiverOrigin: string;
  runs: number;
  seconds: number;
  progress: (message: string) => void;
}): Promise<{ results: FigureResult[]; setup: Record<string, unknown> }> {
  const { bench, runs, progress } = options;
  const service = await startBenchApp(bench, options.receiverOrigin);
  const results: FigureResult[] = [];
  const setup: Record<string, unknown> = {};
  try {
    const started = performance.now();
    const organization = await seedApiOrganization(service.app, bench.database.db, {
      receiverOrigin: options.receiverOrigin,
      encryptionKey: service.keys.encryption,
      items: 1000,
      sites: 10,
      sitesPerItem: 2,
    });
    setup.apiSeedMs = Math.round(performance.now() - started);
    await service.app.listen({ port: 0, host: '127.0.0.1' });
    const origin = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
    const routes = [
      {
        name: 'GET /api/v1/content-items (a page of 50 of 1,000 items)',
        path: '/api/v1/content-items?limit=50',
      },
      { name: 'GET /api/v1/mappings (the matrix: 2,000 mappings)', path: '/api/v1/mappings' },
    ];
    for (const route of routes) {
      const check = await fetch(origin + route.path, { headers: organization.headers });
      if (check.status !== 200) throw new Error(`${route.path}: ${check.status} ${await check.text()}`);
      const bytes = (await check.arrayBuffer()).byteLength;
      const all: LoadRun[] = [];
      for (let index = 0; index <= runs; index++) {
        progress(`API ${route.path} on ${bench.label}: ${index === 0 ? 'warm-up' : `run ${index}/${runs}`}`);
        all.push(await autocannon(origin + route.path, organization.headers, options.seconds));
      }
      const [first, ...measured] = all as [LoadRun, ...LoadRun[]];
      const failed = all.reduce((sum, run) => sum + run.non2xx + run.errors, 0);
      const notes = failed > 0 ? [`${failed} request(s) failed or were not 2xx`] : [];
      const shared = { database: bench.label, goal: null, pass: null, ratioToRaw: null, notes };
      results.push(
        {
          ...shared,
          figure: `API: ${route.name}, ${CONNECTIONS} connections`,
          unit: 'req/s',
          summary: summarize(measured.map((run) => run.perSecond)),
          first: first.perSecond,
          details: { responseBytes: bytes, seconds: options.seconds, connections: CONNECTIONS },
        },
        {
          ...shared,
          figure: `API: ${route.name}, p99 latency`,
          notes: [],
          unit: 'ms',
          summary: summarize(measured.map((run) => run.p99)),
          first: first.p99,
          details: { p50: summarize(measured.map((run) => run.p50)) },
        },
      );
    }
    return { results, setup };
  } finally {
    await service.close();
  }
}
