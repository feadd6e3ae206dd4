import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, waitForListening, type CliProcess } from './support/cli-process.js';
import { startReceiver, type Receiver } from './support/receivers.js';
import { openSse, type ReceivedEvent } from './support/sse-client.js';
import { rowsOf } from './support/sql.js';
import { createSyncJob, organizationWithSites } from './support/sync-org.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from './support/test-database.js';

// Live events across processes on PostgreSQL: the job runs in a `datasync worker` child process, and its events
// reach SSE clients of two other processes: the API in this process (its own worker off) and a `datasync serve`
// child. Only LISTEN/NOTIFY connects them. PostgreSQL only: PGlite allows one process per data folder.

const SECRET_KEY = randomBytes(32).toString('base64url');

let database: TestDatabase;
let t: TestApp;
let receiver: Receiver;
let cwd: string;
const children: CliProcess[] = [];

function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const cli = runCli(args, {
    cwd,
    env: {
      DATABASE_URL: database.url!,
      SECRET_KEY,
      LOG_LEVEL: 'info',
      ALLOWED_DESTINATION_ORIGINS: receiver.origin,
      ...env,
    },
  });
  children.push(cli);
  return cli;
}

describe.skipIf(testDatabaseKind() !== 'postgres')('live events across processes (PostgreSQL)', () => {
  beforeAll(async () => {
    // Each delivery takes a moment, so the streams are open while the worker writes.
    receiver = await startReceiver({ delayMs: 150 });
    database = await openTestDatabase();
    t = await createTestApp(
      { allowedDestinationOrigins: [receiver.origin] },
      { database, secretKey: SECRET_KEY, worker: false },
    );
    cwd = await mkdtemp(join(tmpdir(), 'datasync-live-'));
  });

  afterAll(async () => {
    for (const cli of children) {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
      await cli.exited;
    }
    await t?.close();
    await database?.close();
    await receiver?.close();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it("a worker process's log lines reach the SSE clients of two other API processes, in order", async () => {
    const { owner } = await organizationWithSites(t.app, database.db, {
      label: 'Live processes',
      count: 8,
      destinationUrl: receiver.url,
    });
    const here = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const serve = startCli(['serve'], { PORT: '0' });
    const worker = startCli(['worker']);
    const there = await waitForListening(serve);
    const deadline = Date.now() + 60_000;
    while (!/DataSync worker is running/.test(worker.output())) {
      if (worker.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`worker did not start:\n${worker.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const orgHere = await openSse(`${here}/api/v1/events`, owner.headers);
    const orgThere = await openSse(`${there}/api/v1/events`, owner.headers);
    const jobId = await createSyncJob(t.app, owner);
    const streams = await Promise.all(
      [here, there].map((url) => openSse(`${url}/api/v1/sync-jobs/${jobId}/events`, owner.headers)),
    );
    for (const stream of [...streams, orgHere, orgThere]) expect(stream.status).toBe(200);
    const [fromHere, fromThere] = await Promise.all(streams.map((stream) => stream.untilEnd(60_000)));

    const rows = await rowsOf<{ id: string; site_status: string | null; job_status: string | null }>(
      database.db,
      `SELECT id::text, site_status, job_status FROM job_logs WHERE job_id = '${jobId}' ORDER BY job_logs.id`,
    );
    const expected = rows.flatMap((row) => [
      row.id,
      ...(row.site_status ? [`${row.id}.site`] : []),
      ...(row.job_status ? [`${row.id}.job`] : []),
    ]);
    const ids = (events: ReceivedEvent[]) => events.map((event) => event.id);
    expect(ids(fromHere!)).toEqual(expected);
    expect(ids(fromThere!)).toEqual(expected);
    expect(fromHere!.at(-1)).toMatchObject({ event: 'job', data: { status: 'success' } });
    // Live, not a replay: the streams saw the job's first lines before it ended (8 sites × 150 ms apart).
    const started = fromHere!.find((event) => event.event === 'job')!.receivedAt;
    expect(fromHere!.at(-1)!.receivedAt - started).toBeGreaterThan(100);

    for (const org of [orgHere, orgThere]) {
      await org.waitFor('the job to end', (events) =>
        events.some((event) => event.data.job_id === jobId && event.data.status === 'success'),
      );
      org.close();
      expect(org.events.filter((event) => event.data.job_id === jobId).map((e) => e.data.status)).toEqual([
        'running',
        'success',
      ]);
    }
  }, 120_000);
});
