import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SyncJob } from '@datasync/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../src/queue/job-queue.js';
import { runCli, waitForListening, type CliProcess } from './support/cli-process.js';
import { loadDemoData } from './support/demo.js';
import { startReceiver, type ReceivedRequest, type Receiver, type Reply } from './support/receivers.js';
import { connectionOwner } from './support/socket-owner.js';
import { rowsOf } from './support/sql.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from './support/test-database.js';
import { cookieHeaderFrom, signUp, type SignedInUser } from './support/users.js';
import { waitFor } from './support/wait.js';
import { WebhookLedger } from './support/webhook-ledger.js';

// The sync engine as operators run it on PostgreSQL: `datasync worker` (and `datasync serve`) in child processes
// sharing one database, delivering to a real receiver on 127.0.0.1. The data is written through the app in this
// process (same database, same SECRET_KEY, so the children can decrypt the site secrets it stored), whose own
// worker is off: only the child processes deliver. PostgreSQL only: PGlite allows one process per data folder.

const SECRET_KEY = randomBytes(32).toString('base64url');
const TERMINAL = ['success', 'partial', 'failed'];

let database: TestDatabase;
let t: TestApp;
let receiver: Receiver;
let cwd: string;
/** What the receiver does with each request; set per test (default: 200 at once). */
let respond: (request: ReceivedRequest) => Reply = () => ({});
/** Every site's signing secret, so the receiver verifies signatures like a real site. */
const secrets = new Map<string, string>();
const children: { name: string; cli: CliProcess }[] = [];

// ---------------------------------------------------------------------------------------------------------------
// Child processes, waiting, and the data.

function startCli(name: string, args: string[], env: Record<string, string> = {}): CliProcess {
  const cli = runCli(args, {
    cwd,
    env: {
      DATABASE_URL: database.url!,
      SECRET_KEY,
      LOG_LEVEL: 'info',
      ALLOWED_DESTINATION_ORIGINS: receiver.origin,
      // The database already has the in-process app's organizations when `serve` signs up another.
      SIGNUP: 'open',
      ...env,
    },
  });
  children.push({ name, cli });
  return cli;
}

async function startWorkerProcess(name: string, env: Record<string, string> = {}): Promise<CliProcess> {
  const cli = startCli(name, ['worker'], env);
  await waitFor(
    `${name} to start`,
    () => /DataSync worker is running/.test(cli.output()),
    60_000,
    () => {
      if (cli.child.exitCode !== null) throw new Error(`${name} exited early:\n${cli.output()}`);
    },
  );
  return cli;
}

async function getJob(owner: SignedInUser, id: string): Promise<SyncJob> {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/sync-jobs/${id}`,
    headers: owner.headers,
  });
  if (response.statusCode !== 200) throw new Error(`GET job: ${response.statusCode} ${response.body}`);
  return response.json();
}

async function createJob(owner: SignedInUser, payload: Record<string, unknown> = {}): Promise<string> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/sync-jobs',
    headers: owner.headers,
    payload,
  });
  expect(created.statusCode, created.body).toBe(202);
  return created.json().id;
}

async function waitForJobEnd(owner: SignedInUser, id: string, timeoutMs: number): Promise<SyncJob> {
  let last: SyncJob | undefined;
  try {
    return await waitFor(
      `job ${id} to end`,
      async () => {
        last = await getJob(owner, id);
        return TERMINAL.includes(last.status) && last;
      },
      timeoutMs,
    );
  } catch (error) {
    const counts: Record<string, number> = {};
    for (const site of last?.sites ?? []) counts[site.status] = (counts[site.status] ?? 0) + 1;
    throw new Error(
      `${(error as Error).message}; last seen ${last?.status}, deliveries ${JSON.stringify(counts)}`,
    );
  }
}

interface Site {
  id: string;
  slug: string;
}

/**
 * A new organization with the demo content and `count` sites, all pointing at the receiver: the three demo sites
 * (each with its own mapping rules) plus `count - 3` sites that get the demo's "Summer Sale" item as-is.
 */
async function organizationWithSites(label: string, count: number) {
  const owner = await signUp(t.app, { organization: label });
  const demo = await loadDemoData(t.app, database.db, owner.headers);
  const sites: Site[] = [];
  for (const site of demo.result.sites) {
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/sites/${site.id}`,
      headers: owner.headers,
      payload: { destination_url: receiver.url },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    secrets.set(site.id, site.signing_secret!);
    sites.push({ id: site.id, slug: site.slug });
  }
  for (let n = sites.length; n < count; n++) {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: owner.headers,
      payload: { name: `Site ${n}`, slug: `site-${n}`, destination_url: receiver.url },
    });
    expect(created.statusCode, created.body).toBe(201);
    const site = created.json() as Site & { signing_secret: string };
    secrets.set(site.id, site.signing_secret);
    sites.push({ id: site.id, slug: site.slug });
    const mapped = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/mappings',
      headers: owner.headers,
      payload: { site_id: site.id, content_item_id: demo.itemIds.A, mode: 'full' },
    });
    expect(mapped.statusCode, mapped.body).toBe(201);
  }
  return { owner, sites, orgId: owner.me.organization.id };
}

/** Per site: its current (newest) version and the version of its snapshot (what it last accepted). */
async function siteVersions(orgId: string) {
  return rowsOf<{ id: string; current_version: number; snapshot_version: number | null }>(
    database.db,
    `SELECT s.id, s.current_version, ds.version AS snapshot_version
       FROM sites s LEFT JOIN destination_snapshots ds ON ds.site_id = s.id
      WHERE s.organization_id = '${orgId}'`,
  );
}

async function deliveryCounts(jobId: string): Promise<Record<string, number>> {
  const rows = await rowsOf<{ status: string; n: number }>(
    database.db,
    `SELECT status, count(*)::int AS n FROM deliveries WHERE job_id = '${jobId}' GROUP BY status`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

// ---------------------------------------------------------------------------------------------------------------

describe.skipIf(testDatabaseKind() !== 'postgres')('sync engine across processes (PostgreSQL)', () => {
  beforeAll(async () => {
    receiver = await startReceiver((request) => respond(request));
    database = await openTestDatabase();
    t = await createTestApp(
      { allowedDestinationOrigins: [receiver.origin] },
      { database, secretKey: SECRET_KEY, worker: false },
    );
    cwd = await mkdtemp(join(tmpdir(), 'datasync-processes-'));
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') {
      for (const { name, cli } of children)
        console.error(`--- output of ${name} (last 6,000 characters):\n${cli.output().slice(-6_000)}`);
      console.error(`--- receiver: ${receiver.requests.length} request(s), ${receiver.inFlight} in flight`);
    }
    // Whatever happened, no child outlives its test.
    for (const { cli } of children.splice(0)) {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
      await cli.exited;
    }
    respond = () => ({});
  });

  afterAll(async () => {
    await t?.close();
    await database?.close();
    await receiver?.close();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('two worker processes share one job: every site gets its version, no webhook-id is sent twice at once', async () => {
    // More sites than one worker takes on at once (WORKER_CONCURRENCY 64 here), with the receiver holding each
    // request 1.5 s: the planning worker cannot hold them all, so the other one must take a share. With ~40 sites
    // the first worker would legitimately fetch them all and the other would idle.
    const SITES = 100;
    const HOLD_MS = 1_500;
    const { owner, sites } = await organizationWithSites('Two workers', SITES);
    const ledger = new WebhookLedger((siteId) => secrets.get(siteId));
    const owners = new Map<number, Promise<number | null>>();
    let pids: number[] = [];
    respond = (request) => {
      if (!owners.has(request.remotePort))
        owners.set(request.remotePort, connectionOwner(request.remotePort, receiver.port, pids));
      const arrival = ledger.take(request);
      return arrival.verified ? { delayMs: HOLD_MS } : { status: 401 };
    };

    // Started together, as N machines would: both migrate and set up the queue on one database at once.
    const small = { WORKER_CONCURRENCY: '64' };
    const [a, b] = await Promise.all([
      startWorkerProcess('worker A', small),
      startWorkerProcess('worker B', small),
    ]);
    pids = [a.child.pid!, b.child.pid!];
    const started = performance.now();
    const jobId = await createJob(owner);
    const job = await waitForJobEnd(owner, jobId, 90_000);
    const elapsed = Math.round(performance.now() - started);

    const byPid = new Map<number | null, number>();
    for (const arrival of ledger.arrivals) {
      const pid = await owners.get(arrival.request.remotePort)!;
      byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
    }
    const concurrent = ledger.concurrentDuplicates();
    console.log(
      `[two workers] ${SITES} sites, receiver holds each request ${HOLD_MS} ms: job ${job.status} in ${elapsed} ms; ` +
        `${ledger.arrivals.length} requests, ${ledger.repeatedIds().length} webhook-id(s) repeated, ` +
        `${concurrent.length} sent twice at once; worker A (pid ${pids[0]}) sent ${byPid.get(pids[0]!) ?? 0}, ` +
        `worker B (pid ${pids[1]}) sent ${byPid.get(pids[1]!) ?? 0}, unattributed ${byPid.get(null) ?? 0}`,
    );

    expect(concurrent, 'webhook-ids delivered by two requests at the same time').toEqual([]);
    expect(job.status).toBe('success');
    expect(job.sites).toHaveLength(SITES);
    for (const site of job.sites) {
      expect(site, site.site_slug).toMatchObject({ status: 'success', version: 1, response_code: 200 });
    }
    expect(ledger.arrivals.filter((a) => !a.verified)).toEqual([]);
    for (const site of sites) expect(ledger.applied.get(site.id), site.slug).toEqual([1]);
    // Both processes did part of the work (see connectionOwner). Every request is attributed on Linux.
    expect(byPid.get(pids[0]!) ?? 0, 'requests sent by worker A').toBeGreaterThan(0);
    expect(byPid.get(pids[1]!) ?? 0, 'requests sent by worker B').toBeGreaterThan(0);
    expect(byPid.get(null) ?? 0, 'requests no worker process could be found for').toBe(0);
  }, 180_000);

  /** When the worker with this pid last reported (its row stays after a kill -9). */
  async function lastHeartbeatOf(pid: number): Promise<number> {
    const rows = await rowsOf<{ last_seen_at: Date | string }>(
      database.db,
      `SELECT last_seen_at FROM sync_workers WHERE pid = ${pid} ORDER BY last_seen_at DESC LIMIT 1`,
    );
    expect(rows, `the heartbeat row of pid ${pid}`).toHaveLength(1);
    return new Date(rows[0]!.last_seen_at).getTime();
  }

  /**
   * Kill -9 mid-job. Every site already holds version 1; a forced job makes version 2. The receiver answers the
   * first quarter of the version-2 requests and holds the rest open (applied on arrival, as a real site does, but
   * never answered), then worker A is killed: its deliveries stay unfinished and their pg-boss jobs `active`. Worker
   * A reports every 2 s (WORKER_STALE_AFTER_MS 6 s); worker B must see it silent and hand its jobs back (not wait
   * for pg-boss's 120 s expiry), and bring every site to version 2 within 30 s of A's last heartbeat; a receiver
   * deduping on webhook-id applies each version once. `worker B`: `running` when it runs beside A before the kill
   * (it sweeps every 2 s), `later` when it starts only once A is stale (its first sweep, at start, hands back).
   */
  async function killMidJobAndRecover(label: string, SITES: number, workerB: 'running' | 'later') {
    const ANSWERED = Math.floor(SITES / 4);
    const STALE_ENV = { WORKER_STALE_AFTER_MS: '6000' };
    const { owner, sites, orgId } = await organizationWithSites(label, SITES);
    const ledger = new WebhookLedger((siteId) => secrets.get(siteId));
    respond = (request) => (ledger.take(request).verified ? {} : { status: 401 });

    const first = await startWorkerProcess('worker A', STALE_ENV);
    const job1 = await waitForJobEnd(owner, await createJob(owner), 120_000);
    expect(job1.status).toBe('success');

    let answered = 0;
    let hung = 0;
    respond = (request) => {
      const arrival = ledger.take(request);
      if (!arrival.verified) return { status: 401 };
      if (arrival.version === 2 && answered < ANSWERED) {
        answered++;
        return {};
      }
      if (arrival.version === 2) hung++;
      return { hang: true };
    };
    const jobId = await createJob(owner, { force: true });
    // Worker A takes every delivery at once (up to 1,024); its client sends at most one connection pool's worth.
    await waitFor(
      'the version-2 requests to arrive',
      () => answered === ANSWERED && hung >= Math.min(SITES - ANSWERED, 20),
      60_000,
    );
    // Let the answered ones be recorded, so the kill hits a job that is part done (if not, they are redone).
    await waitFor(
      'the answered deliveries to be recorded',
      async () => (await deliveryCounts(jobId)).success === ANSWERED,
      10_000,
    ).catch(() => {});
    let second: CliProcess | null = null;
    if (workerB === 'running') second = await startWorkerProcess('worker B', STALE_ENV);
    const hungAtKill = hung;
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const killedAt = Date.now();
    const lastHeartbeat = await lastHeartbeatOf(first.child.pid!);

    const atKill = await deliveryCounts(jobId);
    const activeRows = await rowsOf<{ active: number }>(
      database.db,
      `SELECT count(*)::int AS active FROM pgboss.job
        WHERE name = '${QUEUES.deliver}' AND state = 'active' AND data->>'orgId' = '${orgId}'`,
    );
    const active = activeRows[0]!.active;
    expect((await getJob(owner, jobId)).status).toBe('running');
    // Claimed deliveries stay `pending` until recorded (decision 011): the ones the kill cut off are unfinished.
    expect(atKill.pending ?? 0, 'deliveries left unfinished by the kill').toBeGreaterThanOrEqual(
      SITES - ANSWERED,
    );
    expect((atKill.pending ?? 0) + (atKill.success ?? 0)).toBe(SITES);
    // How the engine groups deliveries into pg-boss jobs is its own business: at least one was cut off.
    expect(active, 'pg-boss jobs left active by the kill').toBeGreaterThan(0);

    respond = (request) => (ledger.take(request).verified ? {} : { status: 401 });
    let bReadyAt = 0;
    if (workerB === 'later') {
      // Until A is silent for longer than its staleAfter, it might only be slow.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastHeartbeat + 6_500 - Date.now())));
      second = await startWorkerProcess('worker B', STALE_ENV);
      bReadyAt = Date.now();
    }
    await waitFor(
      'every site to hold version 2',
      async () => (await siteVersions(orgId)).every((site) => site.snapshot_version === 2),
      60_000,
    );
    const newestAt = Date.now();
    const job2 = await waitForJobEnd(owner, jobId, 30_000);
    const sinceHeartbeat = newestAt - lastHeartbeat;

    const versions = await siteVersions(orgId);
    const repeated = ledger.repeatedIds();
    const concurrent = ledger.concurrentDuplicates();
    const handBackLines = await rowsOf<{ message: string }>(
      database.db,
      `SELECT message FROM job_logs WHERE job_id = '${jobId}' AND message LIKE 'Work of this sync was held by%'`,
    );
    console.log(
      `[kill -9 worker] ${SITES} sites, worker B ${workerB}, WORKER_STALE_AFTER_MS 6000; at the kill: ` +
        `${JSON.stringify(atKill)}, ${active} active pg-boss job(s), ${hungAtKill} request(s) held open; every site ` +
        `on version 2 ${sinceHeartbeat} ms after A's last heartbeat (${newestAt - killedAt} ms after the kill` +
        `${workerB === 'later' ? `, ${newestAt - bReadyAt} ms after B was ready` : ''}); job ${job2.status}; ` +
        `${repeated.length} webhook-id(s) sent again after the crash (deduped), ${concurrent.length} sent twice at ` +
        `once; applied per site: ${JSON.stringify([...new Set([...ledger.applied.values()].map((v) => v.join('→')))])}; ` +
        `job page: ${JSON.stringify(handBackLines.map((line) => line.message))}`,
    );

    expect(second).not.toBeNull();
    // The goal, and far from the 120 s pg-boss expiry that was the only way back.
    expect(
      sinceHeartbeat,
      'ms from the dead worker’s last heartbeat to every site on its newest version',
    ).toBeLessThan(30_000);
    if (workerB === 'later')
      expect(newestAt - bReadyAt, 'ms from worker B ready to every site on its newest version').toBeLessThan(
        10_000,
      );
    expect(job2.status).toBe('success');
    for (const site of job2.sites)
      expect(site, site.site_slug).toMatchObject({ status: 'success', version: 2 });
    expect(versions).toHaveLength(SITES);
    for (const site of versions) {
      expect(site, site.id).toMatchObject({ current_version: 2, snapshot_version: 2 });
    }
    // Each version applied exactly once per site, in order, despite the repeats.
    for (const site of sites) expect(ledger.applied.get(site.id), site.slug).toEqual([1, 2]);
    // The crash really interrupted deliveries that then came again with their webhook-id: every held one, and
    // the answered ones whose answer the kill kept from being recorded.
    expect(repeated.length).toBeGreaterThanOrEqual(hungAtKill);
    expect(repeated.length).toBeLessThanOrEqual(SITES);
    expect(concurrent, 'webhook-ids delivered by two requests at the same time').toEqual([]);
    expect(ledger.arrivals.filter((a) => !a.verified)).toEqual([]);
    // The job page says whose work was handed back, counting every delivery the kill left unfinished. A job A
    // fetched after its last heartbeat was never listed by it: its holder is unknown.
    const pattern = new RegExp(
      `^Work of this sync was held by (worker [^:]+:${first.child.pid}, silent since \\d\\d:\\d\\d:\\d\\dZ|a worker that stopped); (\\d+) deliver(y is|ies are) sent again now\\.$`,
    );
    let resent = 0;
    for (const line of handBackLines) {
      expect(line.message).toMatch(pattern);
      resent += Number(pattern.exec(line.message)![2]);
    }
    expect(resent, 'deliveries the job page says were sent again').toBe(atKill.pending);
  }

  it('a worker killed with SIGKILL mid-job: the other worker hands its jobs back within seconds', async () => {
    await killMidJobAndRecover('Crash beside B', 24, 'running');
  }, 240_000);

  it('the only worker killed mid-job: a worker started later hands its jobs back at start', async () => {
    await killMidJobAndRecover('Crash then B', 12, 'later');
  }, 240_000);

  it.skipIf(!process.env.DATASYNC_SLOW_TESTS)(
    'a worker killed mid-job with 300 sites: every site on its newest version in time (DATASYNC_SLOW_TESTS=1)',
    async () => {
      await killMidJobAndRecover('Crash 300', 300, 'running');
    },
    600_000,
  );

  it('`datasync serve` and `datasync worker` on one PostgreSQL: a job created over HTTP succeeds', async () => {
    const ledger = new WebhookLedger((siteId) => secrets.get(siteId));
    respond = (request) => (ledger.take(request).verified ? {} : { status: 401 });
    const server = startCli('serve', ['serve'], { PORT: '0' });
    await startWorkerProcess('worker');
    const url = await waitForListening(server);
    const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, headers: response.headers, json: (await response.json()) as never };
    };

    expect((await call('GET', '/healthz', {})).json).toEqual({ status: 'ok', database: 'ok' });
    const signup = await call(
      'POST',
      '/api/v1/auth/signup',
      {},
      {
        email: `processes-${randomBytes(3).toString('hex')}@example.test`,
        password: 'a real password',
        organization_name: 'Serve Org',
      },
    );
    expect(signup.status).toBe(201);
    const headers = {
      cookie: cookieHeaderFrom(signup.headers.getSetCookie()),
      'x-organization-id': (signup.json as { organization: { id: string } }).organization.id,
    };
    const demo = await call('POST', '/api/v1/demo', headers);
    expect(demo.status).toBe(201);
    const demoSites = (demo.json as { sites: { id: string; slug: string; signing_secret: string }[] }).sites;
    for (const site of demoSites) {
      secrets.set(site.id, site.signing_secret);
      const patched = await call('PATCH', `/api/v1/sites/${site.id}`, headers, {
        destination_url: receiver.url,
      });
      expect(patched.status).toBe(200);
    }

    const created = await call('POST', '/api/v1/sync-jobs', headers, {});
    expect(created).toMatchObject({ status: 202, json: { status: 'queued' } });
    const jobId = (created.json as { id: string }).id;
    const job = await waitFor(
      `job ${jobId} to end`,
      async () => {
        const current = (await call('GET', `/api/v1/sync-jobs/${jobId}`, headers)).json as SyncJob;
        return TERMINAL.includes(current.status) && current;
      },
      60_000,
    );
    console.log(
      `[serve + worker] job ${job.status}: ${job.sites.map((s) => `${s.site_slug} v${s.version} ${s.status}`).join(', ')}`,
    );

    expect(job.status).toBe('success');
    expect(job.sites.map((site) => [site.site_slug, site.status, site.version, site.response_code])).toEqual([
      ['facebook', 'success', 1, 200],
      ['google', 'success', 1, 200],
      ['instagram', 'success', 1, 200],
    ]);
    for (const site of demoSites) {
      expect(ledger.applied.get(site.id), site.slug).toEqual([1]);
      const snapshot = await call('GET', `/api/v1/sites/${site.id}/snapshot`, headers);
      expect(snapshot.json).toMatchObject({ version: 1, job_id: jobId });
    }
    expect(ledger.arrivals.filter((a) => !a.verified)).toEqual([]);
  }, 120_000);
});
