import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { QUEUES } from '../../apps/server/src/queue/job-queue.js';
import { processLiveLines } from '../../apps/server/src/live/index.js';
import { writeJobLogs } from '../../apps/server/src/sync/jobs/job-log-writer.js';
import { PLAN_JOB_OPTIONS, type PlanJobData } from '../../apps/server/src/sync/queue/queue-jobs.js';
import type { SyncQueue } from '../../apps/server/src/sync/jobs/sync-jobs.service.js';
import { WORK_CHANNEL } from '../../apps/server/src/sync/queue/work-signal.js';
import { startBenchApp } from './bench-app.js';
import { openBenchPglite, openBenchPostgres, type DatabaseKind } from './databases.js';
import type { FigureResult } from './report.js';
import { startWorkers, stopWorkers, type WorkerProcess } from './scale-out.js';
import { refreshStatistics, seedFanOut } from './seed.js';
import { summarize } from './stats.js';

// The "live" figures: log line → SSE event latency while `streams` clients follow a job of `siteCount`
// sites. Three processes: the bench's parent (which started the receiver), the service (API + worker + database,
// as `datasync serve` runs it, listening on a real port), and the clients (the SSE streams, reading with node:http), so
// that parsing 50 streams does not load the service's event loop and the latency includes a real socket hop.
//
// Two latencies are measured, and how is part of the figure:
// - probe lines: while the job runs, the service writes a line into the job every PROBE_MS through writeJobLogs (the
//   engine's own path, in its own transaction) and notes the time just before COMMIT. Latency = the client's
//   receipt − that time: "committed → received", an upper bound by the commit's own duration. The two processes'
//   clocks are aligned by an IPC ping (the offset of the fastest round trip), so no clock skew is added.
// - engine lines: every other line of the job. Their only timestamp is job_logs.created_at, the writing
//   transaction's now() (its START): "transaction began → received", which adds the engine's own transaction
//   time (a plan, a batch of outcomes) to the stream's latency. Lines written before every stream was open are left
//   out (they reach some streams as a replay).
// The job row is inserted first and its plan enqueued once every stream is open (see oneRun). Each run notes the
// machine's load average: on a shared machine other work skews every figure.

const PROBE_MS = 10;
const ITEMS_PER_SITE = 4;
const ITEM_BYTES = 4 * 1024;
const RUN_TIMEOUT_MS = 60_000;
const PROBE_PREFIX = 'live-bench probe ';

export interface LiveOptions {
  kind: DatabaseKind;
  serverUrl?: string;
  receiverOrigin: string;
  runs: number;
  siteCount: number;
  streams: number;
  /**
   * PostgreSQL: the sync runs in a separate `datasync worker` process, and the service process only serves the API
   * and the streams (the split deployment), instead of doing both (`datasync serve`).
   */
  separateWorker?: boolean;
}

interface RunFigures {
  probeP50: number;
  probeP99: number;
  engineP50: number;
  engineP99: number;
  probes: number;
  probeSamples: number;
  engineSamples: number;
  /** Engine lines created before every stream was open (replayed, not live): left out. */
  engineExcluded: number;
  jobMs: number;
  /** The machine's 1-minute load average at the end of the run: other work on the machine skews every figure. */
  loadAverage: number;
  notes: string[];
}

type ServiceMessage = { type: 'ping' } | { type: 'open'; url: string; headers: Record<string, string> };
type ClientMessage =
  | { type: 'pong'; now: number }
  | { type: 'opened'; at: number }
  | { type: 'final' }
  | {
      type: 'done';
      /** Per log line id: when each stream received its `log` event (clients' clock). */
      receipts: Record<string, number[]>;
      problems: string[];
    };

// The bench runs compiled (bench/build.mjs): every process entry is a bundle in bench/dist, this one among them.
const SELF = fileURLToPath(new URL('./live-latency.js', import.meta.url));
const now = () => performance.timeOrigin + performance.now();

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Runs the live figures in a fresh service process for one database; resolves with its figures. */
export function runLiveInChild(
  options: LiveOptions,
): Promise<{ results: FigureResult[]; setup: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, ['service', JSON.stringify(options)], {
      execArgv: process.execArgv,
      stdio: 'inherit',
    });
    let answer: { results: FigureResult[]; setup: Record<string, unknown> } | undefined;
    child.on('message', (message) => (answer = message as typeof answer));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      answer ? resolve(answer) : reject(new Error(`the live bench process ended (${code ?? signal})`)),
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The service process.

class Clients {
  private readonly waiters: ((message: ClientMessage) => boolean)[] = [];

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message) => {
      const index = this.waiters.findIndex((waiter) => waiter(message as ClientMessage));
      if (index >= 0) this.waiters.splice(index, 1);
    });
  }

  send(message: ServiceMessage): void {
    this.child.send(message);
  }

  next<T extends ClientMessage['type']>(type: T): Promise<Extract<ClientMessage, { type: T }>> {
    return new Promise((resolve) =>
      this.waiters.push((message) => {
        if (message.type !== type) return false;
        resolve(message as Extract<ClientMessage, { type: T }>);
        return true;
      }),
    );
  }

  /** The clients' clock minus ours, from the fastest of 20 IPC round trips. */
  async clockOffset(): Promise<{ offsetMs: number; rttMs: number }> {
    let best = { offsetMs: 0, rttMs: Infinity };
    for (let n = 0; n < 20; n++) {
      const sent = now();
      const pong = this.next('pong');
      this.send({ type: 'ping' });
      const { now: theirs } = await pong;
      const received = now();
      if (received - sent < best.rttMs)
        best = { offsetMs: theirs - (sent + received) / 2, rttMs: received - sent };
    }
    return best;
  }
}

async function service(
  options: LiveOptions,
): Promise<{ results: FigureResult[]; setup: Record<string, unknown> }> {
  const progress = (message: string) => process.stderr.write(`· ${message}\n`);
  const bench =
    options.kind === 'pglite' ? await openBenchPglite() : await openBenchPostgres(options.serverUrl!);
  const secretKey = randomBytes(32).toString('base64url');
  const service = await startBenchApp(bench, options.receiverOrigin, {
    worker: !options.separateWorker,
    secretKey,
  });
  const workers: WorkerProcess[] = [];
  if (options.separateWorker) {
    if (!bench.url) throw new Error('a separate worker needs PostgreSQL');
    const workerErrors: unknown[] = [];
    workers.push(
      ...(await startWorkers(
        1,
        { databaseUrl: bench.url, secretKey, receiverOrigin: options.receiverOrigin },
        workerErrors,
      )),
    );
  }
  const clientsProcess = fork(SELF, ['clients', String(options.streams)], {
    execArgv: process.execArgv,
    stdio: 'inherit',
  });
  const clients = new Clients(clientsProcess);
  try {
    const { app } = service;
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const seedStarted = performance.now();
    const fanOut = await seedFanOut(app, bench.database.db, {
      receiverOrigin: options.receiverOrigin,
      encryptionKey: service.keys.encryption,
      siteCount: options.siteCount,
      itemsPerSite: ITEMS_PER_SITE,
      itemBytes: ITEM_BYTES,
    });
    const seedMs = Math.round(performance.now() - seedStarted);
    const orgId = fanOut.headers['x-organization-id']!;
    const clock = await clients.clockOffset();

    const all: RunFigures[] = [];
    for (let index = 0; index <= options.runs; index++) {
      progress(
        `live: ${options.streams} streams on a ${options.siteCount}-site sync on ${bench.label}: ${index === 0 ? 'warm-up' : `run ${index}/${options.runs}`}`,
      );
      if (index > 0) await sleep(200);
      all.push(
        await oneRun({
          queue: service.queue,
          bench,
          base,
          headers: fanOut.headers,
          orgId,
          clients,
          offsetMs: clock.offsetMs,
          streams: options.streams,
        }),
      );
      if (index === 0) await refreshStatistics(bench.database.db);
    }
    const [first, ...measured] = all;
    const series = measured.length > 0 ? measured : all;
    const notes = all.flatMap((run, index) =>
      run.notes.map((note) => `${index === 0 ? 'warm-up' : `run ${index}`}: ${note}`),
    );
    const topology = options.separateWorker ? ', worker in its own process' : '';
    const label = `${options.streams} SSE streams, ${options.siteCount.toLocaleString('en-US')}-site sync${topology}`;
    const figure = (
      name: string,
      pick: (run: RunFigures) => number,
      goal: number | null,
      details?: unknown,
    ): FigureResult => ({
      figure: `Live (${label}): ${name}`,
      database: bench.label,
      unit: 'ms',
      summary: summarize(series.map(pick)),
      first: pick(first!),
      goal: goal === null ? null : { op: '<', value: goal, source: 'live latency goal' },
      pass: null,
      ratioToRaw: null,
      notes: [],
      details,
    });
    return {
      results: [
        {
          ...figure('probe line committed → event received, p50', (run) => run.probeP50, 10, {
            method:
              'a line written through writeJobLogs every 10 ms during the sync; time taken just before its COMMIT ' +
              'in the service process, receipt in the clients process, clocks aligned by IPC ping',
            runs: series,
          }),
          notes,
        },
        figure('probe line committed → event received, p99', (run) => run.probeP99, 50),
        figure(
          'engine line: its transaction began (created_at) → event received, p50',
          (run) => run.engineP50,
          null,
        ),
        figure(
          'engine line: its transaction began (created_at) → event received, p99',
          (run) => run.engineP99,
          null,
        ),
      ],
      setup: { liveSeedMs: seedMs, liveClockOffsetMs: clock.offsetMs, liveClockRttMs: clock.rttMs },
    };
  } finally {
    clientsProcess.kill();
    await stopWorkers(workers);
    await service.close();
    await bench.close();
  }
}

async function oneRun(options: {
  queue: SyncQueue;
  bench: Awaited<ReturnType<typeof openBenchPglite>>;
  base: string;
  headers: Record<string, string>;
  orgId: string;
  clients: Clients;
  offsetMs: number;
  streams: number;
}): Promise<RunFigures> {
  const { bench, clients } = options;
  // The job row first, its plan enqueued only once every stream is open: the streams then follow the whole sync
  // live. (Created through POST /api/v1/sync-jobs, a job is planned at once, and on PGlite the 50 streams' sign-in
  // and tenant checks queue behind the plan on the one connection, so they would open to a finished job.)
  const [row] = (
    await bench.database.executeSql(
      `INSERT INTO sync_jobs (organization_id, status, trigger, force) VALUES ($1, 'queued', 'api', true)
     RETURNING id`,
      [options.orgId],
    )
  ).rows as { id: string }[];
  const jobId = row!.id;

  const opened = clients.next('opened');
  const done = clients.next('done');
  const final = clients.next('final');
  clients.send({
    type: 'open',
    url: `${options.base}/api/v1/sync-jobs/${jobId}/events`,
    headers: options.headers,
  });
  await opened;
  const started = performance.now();
  await options.queue.boss.send(
    QUEUES.plan,
    { jobId, orgId: options.orgId } satisfies PlanJobData,
    PLAN_JOB_OPTIONS,
  );
  options.queue.wake('any');
  // A worker in another process hears of it as it would of a job created through the API.
  await bench.database.executeSql(`SELECT pg_notify($1, '')`, [WORK_CHANNEL]);

  // Probes until the first stream has seen the job end (a probe committed after the final line is never streamed,
  // and is not counted).
  const committedAt = new Map<number, number>();
  let ended = false;
  void final.then(() => (ended = true));
  for (let n = 0; !ended; n++) {
    const tick = sleep(PROBE_MS);
    await bench.database.db.transaction(async (tx) => {
      await writeJobLogs(tx, processLiveLines, [
        { organizationId: options.orgId, jobId, level: 'debug', message: `${PROBE_PREFIX}${n}` },
      ]);
      committedAt.set(n, now());
    });
    await tick;
    if (performance.now() - started > RUN_TIMEOUT_MS) break;
  }
  const result = await Promise.race([done, sleep(RUN_TIMEOUT_MS, null)]);
  const jobMs = performance.now() - started;
  if (!result) throw new Error(`the streams of job ${jobId} did not end within ${RUN_TIMEOUT_MS} ms`);

  // Each line of the job up to its final one, with its timestamp: a probe's time before COMMIT, or the engine
  // line's created_at (its transaction's start, to the microsecond). Every stream must have received every line.
  const lines = (await bench.observe(
    `SELECT id::text, message, extract(epoch FROM created_at) * 1000 AS created_ms FROM job_logs
      WHERE job_id = $1
        AND id <= (SELECT id FROM job_logs WHERE job_id = $1 AND job_status IN ('success', 'partial', 'failed'))
      ORDER BY id`,
    [jobId],
  )) as { id: string; message: string; created_ms: string }[];
  const notes = [...result.problems];
  const openedAt = (await opened).at - options.offsetMs;
  const probeLatencies: number[] = [];
  const engine: number[] = [];
  let engineExcluded = 0;
  let probes = 0;
  let incomplete = 0;
  for (const line of lines) {
    const receipts = (result.receipts[line.id] ?? []).map((at) => at - options.offsetMs);
    if (receipts.length !== options.streams) incomplete += 1;
    if (line.message.startsWith(PROBE_PREFIX)) {
      probes += 1;
      const committed = committedAt.get(Number(line.message.slice(PROBE_PREFIX.length)))!;
      for (const at of receipts) probeLatencies.push(at - committed);
    } else if (Number(line.created_ms) < openedAt) {
      engineExcluded += receipts.length;
    } else {
      for (const at of receipts) engine.push(at - Number(line.created_ms));
    }
  }
  if (incomplete > 0) notes.push(`${incomplete} line(s) did not reach all ${options.streams} streams`);
  probeLatencies.sort((a, b) => a - b);
  engine.sort((a, b) => a - b);
  return {
    probeP50: percentile(probeLatencies, 0.5),
    probeP99: percentile(probeLatencies, 0.99),
    engineP50: percentile(engine, 0.5),
    engineP99: percentile(engine, 0.99),
    probes,
    probeSamples: probeLatencies.length,
    engineSamples: engine.length,
    engineExcluded,
    loadAverage: os.loadavg()[0]!,
    jobMs: Math.round(jobMs),
    notes,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The clients process: `streams` HTTP streams on one job per run. Each notes when every `log` event arrives, by
// id, without parsing its JSON (the service joins the ids with the database): the clients' own CPU is kept small,
// as on a 2-core machine it competes with the service.

function followStream(
  url: string,
  headers: Record<string, string>,
  onLog: (id: string, at: number) => void,
  onOpen: () => void,
): Promise<void> {
  // node:http and latin1 rather than fetch and a TextDecoderStream: the ids and field names are ASCII, and with
  // 50 streams in one process the web streams' and the UTF-8 decoder's own CPU (~20 % of a core during a sync)
  // delayed the receipts they were measuring and took the cores the service needs.
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      if (response.statusCode !== 200) {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => reject(new Error(`GET ${url}: ${response.statusCode} ${body}`)));
        return;
      }
      onOpen();
      response.setEncoding('latin1');
      let buffer = '';
      response.on('data', (chunk: string) => {
        const at = now();
        buffer += chunk;
        const last = buffer.lastIndexOf('\n\n');
        if (last < 0) return;
        const complete = buffer.slice(0, last);
        buffer = buffer.slice(last + 2);
        for (const match of complete.matchAll(/^id: (\d+)\nevent: log$/gm)) onLog(match[1]!, at);
      });
      response.on('end', () => resolve());
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

function clientsProcess(streams: number): void {
  process.on('message', (message: ServiceMessage) => {
    if (message.type === 'ping') {
      process.send!({ type: 'pong', now: now() } satisfies ClientMessage);
      return;
    }
    const receipts: Record<string, number[]> = {};
    const problems: string[] = [];
    let open = 0;
    let finalSent = false;
    const following = Array.from({ length: streams }, () =>
      followStream(
        message.url,
        message.headers,
        (id, at) => (receipts[id] ??= []).push(at),
        () => {
          open += 1;
          if (open === streams) process.send!({ type: 'opened', at: now() } satisfies ClientMessage);
        },
      )
        .catch((error: unknown) => problems.push(String(error)))
        .finally(() => {
          // The server ends a job's stream after its final line: the first end means the job is over.
          if (!finalSent) {
            finalSent = true;
            process.send!({ type: 'final' } satisfies ClientMessage);
          }
        }),
    );
    void Promise.all(following).then(() =>
      process.send!({ type: 'done', receipts, problems } satisfies ClientMessage),
    );
  });
}

if (process.argv[1] === SELF && process.send) {
  if (process.argv[2] === 'service') {
    const answer = await service(JSON.parse(process.argv[3]!) as LiveOptions);
    process.send(answer, () => process.exit(0));
  } else if (process.argv[2] === 'clients') {
    clientsProcess(Number(process.argv[3]));
  }
}
