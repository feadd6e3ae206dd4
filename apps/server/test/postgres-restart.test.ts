import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SyncJob } from '@datasync/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/db/postgres.js';
import type { Database } from '../src/db/types.js';
import { runCli, type CliProcess } from './support/cli-process.js';
import { PrivateCluster, privateClusterUnavailable } from './support/private-cluster.js';
import { startReceiver, unusedPort, type Receiver, type Reply } from './support/receivers.js';
import { rowsOf } from './support/sql.js';
import { createSyncJob, organizationWithSites, type SyncOrgSite } from './support/sync-org.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import type { SignedInUser } from './support/users.js';
import { WebhookLedger, type Arrival } from './support/webhook-ledger.js';

// PostgreSQL stopped and started again in the middle of a sync job (server mode). The shared test server must never
// be restarted, so this file runs a private cluster of its own (initdb + pg_ctl as the `postgres` OS user) on a
// free port. The sync runs in a `datasync worker` child process, as operators run it; the API (this process) reads
// the job's status. The restart hits while the receivers hold the requests: their answers arrive while the
// database is down, so the worker cannot record them then. Expected: the job still reaches a final status soon
// after the database is back, every site ends with its newest version, no version is applied twice, and the worker
// and the API keep working (a later job succeeds).
//
// Not an `.int.test.ts`: it manages its own server, so it runs once (in the pglite project), not once per database.

const SITES = 16;
const HOLD_MS = 2_500;
/** How long the database stays down: longer than HOLD_MS, so answers arrive while it is down. */
const DOWN_MS = 4_000;
/** From the database's return to the job's end. */
const RECOVERY_BOUND_MS = 30_000;
const SECRET_KEY = randomBytes(32).toString('base64url');
const TERMINAL = ['success', 'partial', 'failed'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const missing = privateClusterUnavailable();
if (missing) console.log(`[postgres restart] skipped: ${missing}`);

describe.skipIf(missing !== null)('PostgreSQL restarted mid-job (server mode, a private cluster)', () => {
  let cluster: PrivateCluster;
  let database: Database;
  let t: TestApp;
  let receiver: Receiver;
  let worker: CliProcess | undefined;
  let owner: SignedInUser;
  let sites: SyncOrgSite[];
  const cwd = mkdtempSync(join(tmpdir(), 'datasync-restart-'));
  const secrets = new Map<string, string>();
  const ledger = new WebhookLedger((siteId) => secrets.get(siteId));
  let respond: (arrival: Arrival) => Reply = () => ({});

  beforeAll(async () => {
    cluster = new PrivateCluster(await unusedPort());
    cluster.init();
    cluster.start();
    await cluster.createDatabase('datasync');

    receiver = await startReceiver((request) => {
      const arrival = ledger.take(request);
      return arrival.verified ? respond(arrival) : { status: 401 };
    });
    database = await openPostgres(cluster.url('datasync'), 5);
    await database.migrate();
    t = await createTestApp(
      { allowedDestinationOrigins: [receiver.origin] },
      { database, secretKey: SECRET_KEY, worker: false },
    );
    const org = await organizationWithSites(t.app, database.db, {
      label: 'Restart',
      count: SITES,
      destinationUrl: receiver.url,
    });
    owner = org.owner;
    sites = org.sites;
    for (const site of sites) secrets.set(site.id, site.signingSecret);

    worker = runCli(['worker'], {
      cwd,
      env: {
        DATABASE_URL: cluster.url('datasync'),
        SECRET_KEY,
        LOG_LEVEL: 'info',
        ALLOWED_DESTINATION_ORIGINS: receiver.origin,
      },
    });
    const deadline = Date.now() + 60_000;
    while (!/DataSync worker is running/.test(worker.output())) {
      if (worker.child.exitCode !== null) throw new Error(`worker exited early:\n${worker.output()}`);
      if (Date.now() > deadline) throw new Error(`worker did not start:\n${worker.output()}`);
      await sleep(50);
    }
  }, 120_000);

  afterAll(async () => {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await t?.close();
    await database?.close();
    await receiver?.close();
    cluster?.destroy();
    rmSync(cwd, { recursive: true, force: true });
  });

  /** The job, or null while the database cannot answer. */
  async function tryGetJob(id: string): Promise<SyncJob | null> {
    try {
      const response = await t.app.inject({
        method: 'GET',
        url: `/api/v1/sync-jobs/${id}`,
        headers: owner.headers,
      });
      return response.statusCode === 200 ? response.json() : null;
    } catch {
      return null;
    }
  }

  async function waitForEnd(id: string, timeoutMs: number): Promise<SyncJob> {
    const deadline = Date.now() + timeoutMs;
    let last: SyncJob | null = null;
    for (;;) {
      last = (await tryGetJob(id)) ?? last;
      if (last && TERMINAL.includes(last.status)) return last;
      if (Date.now() > deadline) {
        const counts: Record<string, number> = {};
        for (const site of last?.sites ?? []) counts[site.status] = (counts[site.status] ?? 0) + 1;
        throw new Error(
          `job ${id} still ${last?.status} after ${timeoutMs} ms; deliveries ${JSON.stringify(counts)}\n` +
            `--- worker output (last 4,000 characters):\n${worker!.output().slice(-4_000)}\n` +
            `--- PostgreSQL log (last 2,000 characters):\n${readFileSync(cluster.log, 'utf8').slice(-2_000)}`,
        );
      }
      await sleep(100);
    }
  }

  it('a job interrupted by a stop/start of PostgreSQL ends; every site has its newest version, applied once', async () => {
    // Version 1 everywhere, before anything happens.
    const first = await waitForEnd(await createSyncJob(t.app, owner), 60_000);
    expect(first.status).toBe('success');

    // Version 2, forced: the receiver holds every request HOLD_MS; once half of them arrived, PostgreSQL stops.
    respond = () => ({ delayMs: HOLD_MS });
    const jobId = await createSyncJob(t.app, owner, { force: true });
    const arrivedV2 = () => ledger.arrivals.filter((arrival) => arrival.version === 2).length;
    const deadline = Date.now() + 30_000;
    while (arrivedV2() < SITES / 2) {
      if (Date.now() > deadline) throw new Error(`only ${arrivedV2()} version-2 requests arrived`);
      await sleep(20);
    }
    const stopping = performance.now();
    cluster.stop();
    const stoppedAt = performance.now();
    await sleep(DOWN_MS);
    const answeredWhileDown = ledger.arrivals.filter(
      (arrival) =>
        arrival.version === 2 &&
        arrival.request.endedAt !== null &&
        arrival.request.endedAt < performance.now(),
    ).length;
    cluster.start();
    const upAt = performance.now();
    respond = () => ({});

    const job = await waitForEnd(jobId, RECOVERY_BOUND_MS);
    const recoveredMs = Math.round(performance.now() - upAt);

    // The system still works after the restart: a new version goes out to every site.
    const after = await waitForEnd(await createSyncJob(t.app, owner, { force: true }), 30_000);

    const versions = await rowsOf<{ id: string; current_version: number; snapshot_version: number | null }>(
      database.db,
      `SELECT s.id, s.current_version, ds.version AS snapshot_version
         FROM sites s LEFT JOIN destination_snapshots ds ON ds.site_id = s.id`,
    );
    const stillRunning = await rowsOf<{ n: number }>(
      database.db,
      `SELECT count(*)::int AS n FROM sync_jobs WHERE status IN ('queued', 'running')`,
    );
    const repeated = ledger.repeatedIds();
    const applied = [...new Set([...ledger.applied.values()].map((list) => list.join('→')))];
    console.log(
      `[postgres restart] ${SITES} sites, receiver holding each request ${HOLD_MS} ms; PostgreSQL stopped (fast) ` +
        `after ${SITES / 2} of ${SITES} version-2 requests arrived (stop took ${Math.round(stoppedAt - stopping)} ms), ` +
        `down ${DOWN_MS} ms (${answeredWhileDown} answers given while it was down), started again; job ${job.status} ` +
        `${recoveredMs} ms after PostgreSQL was back (${JSON.stringify(job.sites.reduce<Record<string, number>>((c, s) => ({ ...c, [s.status]: (c[s.status] ?? 0) + 1 }), {}))}); ` +
        `${repeated.length} webhook-id(s) sent again (deduped by the receiver), ` +
        `${ledger.concurrentDuplicates().length} sent twice at once; next job ${after.status}; applied per site: ` +
        `${JSON.stringify(applied)}; jobs left queued/running: ${stillRunning[0]!.n}; worker ` +
        `${worker!.child.exitCode === null ? 'still running' : `exited ${worker!.child.exitCode}`}`,
    );

    expect(worker!.child.exitCode, 'the worker process survived').toBeNull();
    expect(job.status).toBe('success');
    for (const site of job.sites)
      expect(site, site.site_slug).toMatchObject({ status: 'success', version: 2 });
    expect(after.status).toBe('success');
    for (const site of after.sites)
      expect(site, site.site_slug).toMatchObject({ status: 'success', version: 3 });
    expect(versions).toHaveLength(SITES);
    for (const site of versions)
      expect(site, site.id).toMatchObject({ current_version: 3, snapshot_version: 3 });
    // Each version applied exactly once per site, in order, whatever was sent again.
    for (const site of sites) expect(ledger.applied.get(site.id), site.slug).toEqual([1, 2, 3]);
    expect(ledger.concurrentDuplicates(), 'webhook-ids delivered by two requests at the same time').toEqual(
      [],
    );
    expect(ledger.arrivals.filter((arrival) => !arrival.verified)).toEqual([]);
    expect(stillRunning[0]!.n, 'jobs left queued or running').toBe(0);
  }, 120_000);
});
