import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startReceiver, type Receiver } from '../../test/support/receivers.js';
import { openSse, type ReceivedEvent } from '../../test/support/sse-client.js';
import { rowsOf } from '../../test/support/sql.js';
import { createSyncJob, organizationWithSites } from '../../test/support/sync-org.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { testDatabaseKind } from '../../test/support/test-database.js';
import { addMember, signUp, type SignedInUser } from '../../test/support/users.js';
import type { JobStatus } from '../db/schema/sync.js';
import { withTenant } from '../db/tenant.js';
import { writeJobLogs } from '../sync/jobs/job-log-writer.js';
import type { NewLog } from '../sync/jobs/job-logs.repo.js';
import { writtenLines } from './written-lines.js';
import { listJobLogRows, selectJobLogRows } from './live.repo.js';

// The live event streams over real HTTP (fetch reading the body as it arrives), fed by real sync jobs run by the
// worker in this process and by log lines written straight through insertLogs, on PGlite and on PostgreSQL.

const HEARTBEAT_MS = 150;

let t: TestApp;
let receiver: Receiver;
let base: string;
let owner: SignedInUser;
let orgId: string;

beforeAll(async () => {
  receiver = await startReceiver({});
  t = await createTestApp(
    { allowedDestinationOrigins: [receiver.origin], liveHeartbeatMs: HEARTBEAT_MS },
    { worker: true, delivery: { quickRetryDelaysMs: [10], timeoutMs: 2_000 } },
  );
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  ({ owner, orgId } = await organizationWithSites(t.app, t.database.db, {
    label: 'Live Org',
    count: 6,
    destinationUrl: receiver.url,
  }));
});

afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

const jobEvents = (jobId: string) => `${base}/api/v1/sync-jobs/${jobId}/events`;

/** The event ids a job's stream must give, from its rows: `<id>`, then `<id>.site` and `<id>.job` if set. */
async function expectedIds(jobId: string): Promise<string[]> {
  const rows = await rowsOf<{ id: string; site_status: string | null; job_status: string | null }>(
    t.database.db,
    `SELECT id::text, site_status, job_status FROM job_logs WHERE job_id = '${jobId}' ORDER BY job_logs.id`,
  );
  return rows.flatMap((row) => [
    row.id,
    ...(row.site_status ? [`${row.id}.site`] : []),
    ...(row.job_status ? [`${row.id}.job`] : []),
  ]);
}

const ids = (events: ReceivedEvent[]) => events.map((event) => event.id);

/** A job row written directly (no queue, so no worker touches it): its log is whatever the test writes. */
async function insertJob(organizationId: string): Promise<string> {
  const [row] = await rowsOf<{ id: string }>(
    t.database.db,
    `INSERT INTO sync_jobs (organization_id, status, trigger) VALUES ('${organizationId}', 'running', 'api')
     RETURNING id`,
  );
  return row!.id;
}

/**
 * Writes lines for a job in one transaction, through writeJobLogs as the engine does. `holdMs` keeps the
 * transaction open after the insert (PostgreSQL only), so a concurrent writer that drew later ids would commit
 * first, were it not for insertLogs' lock.
 */
async function writeLines(
  organizationId: string,
  jobId: string,
  lines: Partial<NewLog>[],
  holdMs = 0,
): Promise<void> {
  await t.database.db.transaction(async (tx) => {
    await writeJobLogs(
      tx,
      writtenLines,
      lines.map((line) => ({ organizationId, jobId, level: 'info', message: 'line', ...line })),
    );
    if (holdMs > 0 && testDatabaseKind() === 'postgres') {
      await tx.execute(sql`SELECT pg_sleep(${holdMs / 1000})`);
    }
  });
}

async function finishJob(organizationId: string, jobId: string, status: JobStatus = 'success') {
  await rowsOf(t.database.db, `UPDATE sync_jobs SET status = '${status}' WHERE id = '${jobId}'`);
  await writeLines(organizationId, jobId, [{ jobStatus: status, message: `Sync ${status}.` }]);
}

describe('GET /api/v1/sync-jobs/:id/events', () => {
  let jobId: string;
  let full: ReceivedEvent[];

  it('streams a real sync job: each log line, site and job status once, in id order, then ends', async () => {
    jobId = await createSyncJob(t.app, owner);
    const stream = await openSse(jobEvents(jobId), owner.headers);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    full = await stream.untilEnd();

    expect(ids(full).join(' ')).toEqual((await expectedIds(jobId)).join(' '));
    const logs = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sync-jobs/${jobId}/logs`,
      headers: owner.headers,
    });
    // A `log` event's data is the line exactly as GET …/logs gives it.
    expect(full.filter((event) => event.event === 'log').map((event) => event.data)).toEqual(logs.json());
    expect(full.filter((event) => event.event === 'job').map((event) => event.data.status)).toEqual([
      'running',
      'success',
    ]);
    // Each site: planned (pending), then delivered (success).
    const bySite = new Map<unknown, unknown[]>();
    for (const event of full.filter((event) => event.event === 'site')) {
      expect(event.data.job_id).toBe(jobId);
      bySite.set(event.data.site_slug, [...(bySite.get(event.data.site_slug) ?? []), event.data.status]);
    }
    expect(bySite.size).toBe(6);
    for (const statuses of bySite.values()) expect(statuses).toEqual(['pending', 'success']);
    expect(full.at(-1)).toMatchObject({ event: 'job', data: { status: 'success' } });
  });

  it("a tail's one-round-trip read: withTenant's rows, in the job's organization only, no scope left", async () => {
    const viaTransaction = await withTenant(t.database.db, { orgId }, (tx) =>
      listJobLogRows(tx, jobId, 0, 1_000),
    );
    expect(viaTransaction).toHaveLength(14); // the start, 6 queued, 6 delivered, the end
    expect(viaTransaction.some((row) => row.log.metadata !== null && row.siteSlug !== null)).toBe(true);
    expect(await selectJobLogRows(t.database, orgId, jobId, 0, 1_000)).toEqual(viaTransaction);
    const third = viaTransaction[2]!.log.id;
    expect(await selectJobLogRows(t.database, orgId, jobId, third, 3)).toEqual(viaTransaction.slice(3, 6));

    // The connection role bypasses RLS on both drivers: only the scope sent with the read can hide these rows.
    expect(await selectJobLogRows(t.database, randomUUID(), jobId, 0, 1_000)).toEqual([]);
    // The scope ended with the read's implicit transaction (PGlite has one connection; the pool reuses its last).
    const { rows } = await t.database.executeSql(
      `SELECT current_user AS "user", coalesce(current_setting('app.org_id', true), '') AS org`,
    );
    expect(rows).toEqual([{ user: expect.not.stringMatching(/^datasync_app$/), org: '' }]);
    await expect(selectJobLogRows(t.database, orgId, `${jobId}' OR true --`, 0, 10)).rejects.toThrow(
      /Not a UUID/,
    );
  });

  it('replays a finished job and, after any event id, gives exactly the events that follow, then ends', async () => {
    expect(full).toHaveLength(28); // 14 lines, each with its site or job event
    const cuts = new Set([0, 1, 2, full.findIndex((event) => event.id.endsWith('.site')), full.length - 2]);
    for (const cut of cuts) {
      const resumed = await openSse(jobEvents(jobId), { ...owner.headers, 'last-event-id': full[cut]!.id });
      expect(ids(await resumed.untilEnd()), `after ${full[cut]!.id}`).toEqual(ids(full.slice(cut + 1)));
    }
    // The query parameter, for clients that cannot set the header.
    const mid = full[Math.floor(full.length / 2)]!;
    const byQuery = await openSse(`${jobEvents(jobId)}?last_event_id=${mid.id}`, owner.headers);
    expect(ids(await byQuery.untilEnd())).toEqual(ids(full.slice(full.indexOf(mid) + 1)));
    // A replay from the start is the whole story; after the last event, an empty stream that ends.
    expect(await (await openSse(jobEvents(jobId), owner.headers)).untilEnd()).toHaveLength(full.length);
    const last = await openSse(jobEvents(jobId), { ...owner.headers, 'last-event-id': full.at(-1)!.id });
    expect(await last.untilEnd()).toEqual([]);
  });

  it('concurrent writers: live streams get every line once, in id order, also when resuming mid-way', async () => {
    const job = await insertJob(orgId);
    const steady = await openSse(jobEvents(job), owner.headers);
    const first = await openSse(jobEvents(job), owner.headers);
    const WRITERS = 4;
    const TRANSACTIONS = 20;
    // Each transaction holds its ids a while before committing: without insertLogs' lock, another writer's later
    // ids would become visible first and a stream would move past the held ones for good.
    const writing = Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (let n = 0; n < TRANSACTIONS; n++) {
          await writeLines(
            orgId,
            job,
            [
              { message: `writer ${writer} tx ${n} a` },
              { message: `writer ${writer} tx ${n} b`, siteStatus: n % 2 === 0 ? 'success' : null },
            ],
            (writer * 7 + n * 3) % 11,
          );
        }
      }),
    );
    await first.waitFor('some events', (events) => events.length >= 40);
    first.close();
    const resumeAt = first.events.at(-1)!.id;
    const second = await openSse(jobEvents(job), { ...owner.headers, 'last-event-id': resumeAt });
    await writing;
    await finishJob(orgId, job);

    const expected = await expectedIds(job);
    // Two lines per transaction, a site status on every other one, and the final line with its job status.
    expect(expected).toHaveLength(WRITERS * TRANSACTIONS * 2 + (WRITERS * TRANSACTIONS) / 2 + 2);
    expect(ids(await steady.untilEnd())).toEqual(expected);
    const resumed = [...first.events, ...(await second.untilEnd())];
    expect(ids(resumed)).toEqual(expected);
  });

  it('keeps an idle stream open with heartbeat comments', async () => {
    const job = await insertJob(orgId);
    const stream = await openSse(jobEvents(job), owner.headers);
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS * 4));
    expect(stream.comments.filter((comment) => comment === 'ping').length).toBeGreaterThanOrEqual(2);
    await finishJob(orgId, job);
    expect(ids(await stream.untilEnd())).toEqual(await expectedIds(job));
  });

  it('a client that does not read holds a bounded buffer, and gets everything once it reads', async () => {
    const job = await insertJob(orgId);
    const LINES = 6_000;
    const message = 'x'.repeat(2_000);
    const before = t.app.liveStreams.count;

    // A raw socket that sends the request and then does not read: the server's writes back up. HTTP/1.0, so the
    // body is not chunked and the server closes the connection when the stream ends.
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(base).port) });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    const headers = Object.entries(owner.headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`GET /api/v1/sync-jobs/${job}/events HTTP/1.0\r\nhost: 127.0.0.1\r\n${headers}\r\n`);
    for (let n = 0; t.app.liveStreams.count === before; n++) {
      if (n > 200) throw new Error('the stream did not open');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Written while the job runs: more than the job's shared tail keeps (2,000 lines), so the stream, once it
    // reads again, catches up from the database.
    for (let n = 0; n < LINES; n += 500) {
      await writeLines(
        orgId,
        job,
        Array.from({ length: 500 }, () => ({ message })),
      );
    }
    await finishJob(orgId, job);
    let peak = 0;
    for (let n = 0; n < 20; n++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      peak = Math.max(peak, ...t.app.liveStreams.bufferedBytes());
    }
    // The total is ~12 MB; the server holds at most its bound (128 KiB) plus one read batch (500 lines, ~1 MB).
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(128 * 1024 + 500 * 2_300);

    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.resume();
    await new Promise((resolve) => socket.once('end', resolve));
    socket.destroy();
    const logIds = [...received.matchAll(/id: (\d+)\nevent: log\n/g)].map((match) => match[1]);
    const expected = (await expectedIds(job)).filter((id) => /^\d+$/.test(id));
    expect(logIds).toHaveLength(LINES + 1);
    expect(logIds).toEqual(expected);
    await vi.waitFor(() => expect(t.app.liveStreams.tailCount).toBe(0));
  }, 60_000);

  it('refuses: unauthenticated 401, another organization 404, a malformed Last-Event-ID 400', async () => {
    const job = await insertJob(orgId);
    const anonymous = await openSse(jobEvents(job));
    expect(anonymous.status).toBe(401);
    expect((await openSse(`${base}/api/v1/events`)).status).toBe(401);

    const stranger = await signUp(t.app, { organization: 'Other Org' });
    const foreign = await openSse(jobEvents(job), stranger.headers);
    expect(foreign.status).toBe(404);
    expect(foreign.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(foreign.body!)).toMatchObject({ status: 404 });

    const malformed = await openSse(jobEvents(job), { ...owner.headers, 'last-event-id': '12.nope' });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body!)).toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ in: 'headers', pointer: '/last-event-id' })],
    });
    await finishJob(orgId, job);
  });

  it('lets a viewer of the organization read the stream', async () => {
    const viewer = await addMember(t.app, owner, 'viewer');
    const job = await insertJob(orgId);
    await writeLines(orgId, job, [{ message: 'hello' }]);
    await finishJob(orgId, job);
    const stream = await openSse(jobEvents(job), viewer.headers);
    expect(stream.status).toBe(200);
    expect(ids(await stream.untilEnd())).toEqual(await expectedIds(job));
  });

  it('takes the organization from ?organization_id= when the client cannot send the header (EventSource)', async () => {
    // The member's first organization is their own: without a choice, the owner's job is not theirs to see.
    const member = await addMember(t.app, owner, 'viewer');
    const cookieOnly = { cookie: member.cookie };
    const job = await insertJob(orgId);
    await writeLines(orgId, job, [{ message: 'hello' }]);
    await finishJob(orgId, job);
    expect((await openSse(jobEvents(job), cookieOnly)).status).toBe(404);
    const chosen = await openSse(`${jobEvents(job)}?organization_id=${orgId}`, cookieOnly);
    expect(chosen.status).toBe(200);
    expect(ids(await chosen.untilEnd())).toEqual(await expectedIds(job));
    // Naming an organization one is not a member of opens nothing.
    const stranger = await signUp(t.app, { organization: 'Not a member' });
    const refused = await openSse(`${jobEvents(job)}?organization_id=${orgId}`, { cookie: stranger.cookie });
    expect(refused.status).toBe(403);
  });
});

describe('GET /api/v1/events', () => {
  it("streams the organization's job starts and ends, and nothing of another organization", async () => {
    const other = await organizationWithSites(t.app, t.database.db, {
      label: 'Live Org B',
      count: 3,
      destinationUrl: receiver.url,
    });
    const ours = await openSse(`${base}/api/v1/events`, owner.headers);
    const theirs = await openSse(`${base}/api/v1/events`, other.owner.headers);
    expect([ours.status, theirs.status]).toEqual([200, 200]);

    const jobId = await createSyncJob(t.app, owner);
    await ours.waitFor('our job to end', (events) =>
      events.some((event) => event.data.job_id === jobId && event.data.status === 'success'),
    );
    // The other organization's own job, after ours ended: when its events arrive, ours would have come before.
    const theirJob = await createSyncJob(t.app, other.owner);
    await theirs.waitFor('their job to end', (events) =>
      events.some((event) => event.data.job_id === theirJob && event.data.status === 'success'),
    );
    ours.close();
    theirs.close();

    const ourJob = ours.events.filter((event) => event.data.job_id === jobId);
    expect(ourJob.map((event) => [event.event, event.data.status])).toEqual([
      ['job', 'running'],
      ['job', 'success'],
    ]);
    const ourRows = await rowsOf<{ id: string }>(
      t.database.db,
      `SELECT id::text FROM job_logs WHERE job_id = '${jobId}' AND job_status IS NOT NULL ORDER BY job_logs.id`,
    );
    expect(ourJob.map((event) => event.id)).toEqual(ourRows.map((row) => `${row.id}.job`));
    expect(ours.events.some((event) => event.data.job_id === theirJob)).toBe(false);
    const theirJobs = await rowsOf<{ id: string }>(
      t.database.db,
      `SELECT id FROM sync_jobs WHERE organization_id = '${other.orgId}'`,
    );
    expect(theirs.events.length).toBeGreaterThanOrEqual(2);
    for (const event of theirs.events) expect(theirJobs.map((row) => row.id)).toContain(event.data.job_id);
  });

  it('resumes after a Last-Event-ID: the events after it come (the settle margin may repeat earlier ones)', async () => {
    const job = await insertJob(orgId);
    const first = await openSse(`${base}/api/v1/events`, owner.headers);
    await writeLines(orgId, job, [{ jobStatus: 'running', message: 'Sync started.' }]);
    await first.waitFor('the start', (events) => events.some((event) => event.data.job_id === job));
    first.close();
    const lastId = first.events.at(-1)!.id;
    await finishJob(orgId, job);
    const second = await openSse(`${base}/api/v1/events`, { ...owner.headers, 'last-event-id': lastId });
    await second.waitFor('the end', (events) =>
      events.some((event) => event.data.job_id === job && event.data.status === 'success'),
    );
    second.close();
    expect(new Set(ids(second.events)).size).toBe(second.events.length);
  });
});
