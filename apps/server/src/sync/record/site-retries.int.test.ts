import type { JobLog, Site, Snapshot, SyncJob } from '@datasync/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../../test/support/demo.js';
import { startReceiver, type Receiver, type Reply } from '../../../test/support/receivers.js';
import { rowsOf } from '../../../test/support/sql.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { signUp, type SignedInUser } from '../../../test/support/users.js';
import { waitFor } from '../../../test/support/wait.js';
import { QUEUES } from '../../queue/job-queue.js';

// A job is one pass over its sites and ends; a site whose receiver did not accept its delivery retries on its own
// (RETRY_SCHEDULE, short here), and its health is recorded with each outcome. Real sync jobs, a real worker and a
// real receiver on 127.0.0.1 that serves every site of these tests by path.

/** RETRY_SCHEDULE for this file: 2 s, then 1 s twice (each ±20 %). */
const RETRY_SCHEDULE_MS = [2_000, 1_000, 1_000];
const QUICK_RETRY_DELAYS_MS = [10, 20];
const ATTEMPTS_PER_SEND = QUICK_RETRY_DELAYS_MS.length + 1;
const TERMINAL = ['success', 'partial', 'failed'];

type Slug = 'facebook' | 'google' | 'instagram';

let t: TestApp;
let receiver: Receiver;
/** What each path answers, as a status code; 200 for any path not set. A delay applies to every answer. */
const answers = new Map<string, { status: number; delayMs?: number }>();

beforeAll(async () => {
  receiver = await startReceiver((request): Reply => answers.get(request.path) ?? { status: 200 });
  t = await createTestApp(
    { allowedDestinationOrigins: [receiver.origin], retryScheduleMs: RETRY_SCHEDULE_MS },
    { worker: true, delivery: { quickRetryDelaysMs: QUICK_RETRY_DELAYS_MS, timeoutMs: 10_000 } },
  );
});

afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

/** A new organization with the demo, each of its three sites delivering to its own path of the receiver. */
async function organization(label: string) {
  const owner = await signUp(t.app, { organization: label });
  const demo = await loadDemoData(t.app, t.database.db, owner.headers);
  const path = (slug: Slug) => `/${label}/${slug}`;
  for (const slug of ['facebook', 'google', 'instagram'] as const) {
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/sites/${demo.siteIds[slug]}`,
      headers: owner.headers,
      payload: { destination_url: `${receiver.origin}${path(slug)}` },
    });
    expect(patched.statusCode, patched.body).toBe(200);
  }
  const get = async <T>(url: string): Promise<T> => {
    const response = await t.app.inject({ method: 'GET', url, headers: owner.headers });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  return {
    owner,
    siteIds: demo.siteIds,
    path,
    answer: (slug: Slug, status: number, delayMs?: number) => answers.set(path(slug), { status, delayMs }),
    /** The requests the receiver got for the site, from `from` on. */
    requests: (slug: Slug, from = 0) => receiver.requests.slice(from).filter((r) => r.path === path(slug)),
    site: (slug: Slug) => get<Site>(`/api/v1/sites/${demo.siteIds[slug]}`),
    job: (id: string) => get<SyncJob>(`/api/v1/sync-jobs/${id}`),
    logs: (id: string) => get<JobLog[]>(`/api/v1/sync-jobs/${id}/logs`),
    snapshot: (slug: Slug) => get<Snapshot>(`/api/v1/sites/${demo.siteIds[slug]}/snapshot`),
    start: (payload: Record<string, unknown>) => startJob(owner, payload),
    /** Starts a job and follows it to its end. */
    run: async (payload: Record<string, unknown>) => endOf(owner, await startJob(owner, payload)),
    endOf: (id: string) => endOf(owner, id),
    ownSends: (slug: Slug) => ownSendsOf(demo.siteIds[slug]),
  };
}

async function startJob(owner: SignedInUser, payload: Record<string, unknown>): Promise<string> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/sync-jobs',
    headers: owner.headers,
    payload,
  });
  expect(created.statusCode, created.body).toBe(202);
  return created.json().id;
}

async function endOf(owner: SignedInUser, id: string): Promise<SyncJob> {
  return waitFor(
    `job ${id} to end`,
    async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/api/v1/sync-jobs/${id}`,
        headers: owner.headers,
      });
      const job: SyncJob = response.json();
      return TERMINAL.includes(job.status) && job;
    },
    15_000,
  );
}

interface OwnSend {
  id: string;
  status: string;
  trigger: string;
  version: number;
  attempts: number;
  webhook_id: string;
  next_attempt_at: string | Date | null;
}

/** The site's own sends (deliveries of no job), oldest version first. */
function ownSendsOf(siteId: string): Promise<OwnSend[]> {
  return rowsOf<OwnSend>(
    t.database.db,
    `SELECT id, status, trigger, version, attempts, webhook_id, next_attempt_at FROM deliveries
      WHERE site_id = '${siteId}' AND job_id IS NULL ORDER BY version, created_at`,
  );
}

function webhookIdOf(deliveryId: string): Promise<string> {
  return rowsOf<{ webhook_id: string }>(
    t.database.db,
    `SELECT webhook_id FROM deliveries WHERE id = '${deliveryId}'`,
  ).then((rows) => rows[0]!.webhook_id);
}

const versionOf = (body: string) => (JSON.parse(body) as { data: { version: number } }).data.version;
const time = (value: string | Date | null) => (value === null ? null : new Date(value).getTime());

describe('a job is one pass over its sites', () => {
  it('ends failed after the quick retries; the site retries on its own and recovers without anyone', async () => {
    const org = await organization('recovers');
    org.answer('instagram', 500);
    const started = performance.now();
    const job = await org.run({ site_ids: [org.siteIds.instagram] });
    expect(performance.now() - started, 'ms until the job ended').toBeLessThan(5_000);
    expect(job.status).toBe('failed');
    expect(job.counts).toEqual({ delivered: 0, up_to_date: 0, failed: 1, superseded: 0 });
    expect(job.sites).toMatchObject([
      {
        site_slug: 'instagram',
        status: 'failed',
        version: 1,
        attempts: ATTEMPTS_PER_SEND,
        response_code: 500,
      },
    ]);
    const logs = await org.logs(job.id);
    expect(logs.map((line) => line.message)).toContain(
      'instagram: version 1 not accepted (HTTP 500); the site retries on its own in 2 s.',
    );
    expect(logs.at(-1)).toMatchObject({
      level: 'error',
      message: 'Sync failed: 0 delivered, 0 up to date, 1 failed (instagram), 0 superseded.',
      metadata: {
        status: 'failed',
        delivered: 0,
        up_to_date: 0,
        failed: 1,
        superseded: 0,
        failed_sites: ['instagram'],
      },
    });

    // The site took over: one own send of the same version and webhook id, due after the schedule's first wait.
    const [retry, ...others] = await org.ownSends('instagram');
    expect(others).toEqual([]);
    expect(retry).toMatchObject({
      status: 'pending',
      trigger: 'retry',
      version: 1,
      attempts: 0,
      webhook_id: await webhookIdOf(job.sites[0]!.delivery_id),
    });
    const failing = await org.site('instagram');
    expect(failing).toMatchObject({
      health: 'failing',
      consecutive_failures: 1,
      last_error: 'HTTP 500',
      last_success_at: null,
      last_sync_status: 'failed',
    });
    expect(time(failing.next_attempt_at)).toBe(time(retry!.next_attempt_at));
    // Due the schedule's first wait (±20 %) after the failure was recorded (failing_since: that transaction's start).
    const wait = time(failing.next_attempt_at)! - time(failing.failing_since)!;
    expect(wait).toBeGreaterThanOrEqual(0.8 * RETRY_SCHEDULE_MS[0]!);
    expect(wait).toBeLessThan(1.2 * RETRY_SCHEDULE_MS[0]! + 1_000);
    expect(time(failing.failing_since)).toBeLessThanOrEqual(time(job.completed_at)!);

    org.answer('instagram', 200);
    const healthy = await waitFor(
      'instagram healthy again',
      async () => {
        const site = await org.site('instagram');
        return site.health === 'healthy' && site;
      },
      10_000,
    );
    expect(healthy).toMatchObject({
      failing_since: null,
      consecutive_failures: 0,
      last_error: null,
      next_attempt_at: null,
      last_sync_status: 'success',
    });
    expect(healthy.last_success_at).not.toBeNull();
    expect(await org.ownSends('instagram')).toMatchObject([
      { id: retry!.id, status: 'success', attempts: 1 },
    ]);
    const snapshot = await org.snapshot('instagram');
    expect(snapshot).toMatchObject({ version: 1, job_id: null });
    expect((snapshot.payload as { data: { version: number } }).data.version).toBe(1);
    const requests = org.requests('instagram');
    expect(requests).toHaveLength(ATTEMPTS_PER_SEND + 1);
    expect(new Set(requests.map((request) => request.headers['webhook-id']))).toEqual(
      new Set([retry!.webhook_id]),
    );
    // The job's story ended with it: it stays failed, and the site's own send wrote no line there.
    expect((await org.job(job.id)).status).toBe('failed');
    expect(await org.logs(job.id)).toEqual(logs);
  });

  it('is partial when one of three sites fails, and the retry route reruns exactly that site at once', async () => {
    const org = await organization('partial');
    org.answer('instagram', 500);
    const job = await org.run({});
    expect(job.status).toBe('partial');
    expect(job.counts).toEqual({ delivered: 2, up_to_date: 0, failed: 1, superseded: 0 });
    expect(job.sites.map((site) => [site.site_slug, site.status])).toEqual([
      ['facebook', 'success'],
      ['google', 'success'],
      ['instagram', 'failed'],
    ]);
    expect((await org.logs(job.id)).at(-1)!.message).toBe(
      'Sync partial: 2 delivered, 0 up to date, 1 failed (instagram), 0 superseded.',
    );

    org.answer('instagram', 200);
    const seen = receiver.requests.length;
    const retried = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sync-jobs/${job.id}/retry`,
      headers: org.owner.headers,
    });
    expect(retried.statusCode, retried.body).toBe(202);
    const rerun = await org.endOf(retried.json().id);
    expect(rerun.status).toBe('success');
    expect(rerun.sites.map((site) => [site.site_slug, site.status, site.version])).toEqual([
      ['instagram', 'success', 2],
    ]);
    // The rerun's newer version took the place of the site's own pending retry.
    expect(await org.ownSends('instagram')).toMatchObject([{ version: 1, status: 'superseded' }]);
    expect((await org.site('instagram')).health).toBe('healthy');
    expect(org.requests('instagram', seen).map((request) => versionOf(request.body))).toEqual([2]);
    expect(org.requests('facebook', seen)).toEqual([]);

    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sync-jobs/${rerun.id}/retry`,
      headers: org.owner.headers,
    });
    expect(again.statusCode).toBe(409);
  });

  it('is not success when a newer job supersedes one of its deliveries, and counts it', async () => {
    const org = await organization('superseded');
    org.answer('instagram', 200, 1_500);
    const first = await org.start({ site_ids: [org.siteIds.facebook, org.siteIds.instagram] });
    await waitFor('instagram version 1 in flight', () => org.requests('instagram').length === 1, 10_000);
    const second = await org.run({ force: true, site_ids: [org.siteIds.instagram] });
    expect(second.status).toBe('success');
    expect(second.sites).toMatchObject([{ site_slug: 'instagram', status: 'success', version: 2 }]);
    const ended = await org.endOf(first);
    expect(ended.status).toBe('partial');
    expect(ended.counts).toEqual({ delivered: 1, up_to_date: 0, failed: 0, superseded: 1 });
    expect(ended.sites.map((site) => [site.site_slug, site.status, site.version])).toEqual([
      ['facebook', 'success', 1],
      ['instagram', 'superseded', 1],
    ]);
    expect((await org.logs(first)).at(-1)!.message).toBe(
      'Sync partial: 1 delivered, 0 up to date, 0 failed, 1 superseded.',
    );
    expect((await org.snapshot('instagram')).version).toBe(2);
  });
});

describe('a failing site', () => {
  it('keeps one pending retry, of its newest version, and its receiver finally gets only that one', async () => {
    const org = await organization('collapse');
    org.answer('google', 500);
    const first = await org.run({ site_ids: [org.siteIds.google] });
    expect(first.status).toBe('failed');
    expect(await org.ownSends('google')).toMatchObject([{ version: 1, status: 'pending' }]);
    const second = await org.run({ force: true, site_ids: [org.siteIds.google] });
    expect(second.status).toBe('failed');
    const sends = await org.ownSends('google');
    expect(sends.map((send) => [send.version, send.status])).toEqual([
      [1, 'superseded'],
      [2, 'pending'],
    ]);
    expect((await org.site('google')).consecutive_failures).toBe(2);

    const seen = receiver.requests.length;
    org.answer('google', 200);
    await waitFor(
      'google healthy again',
      async () => (await org.site('google')).health === 'healthy',
      10_000,
    );
    // Both retries' queue jobs ran: the superseded one's found nothing to send.
    await waitFor(
      'the queue jobs of both own sends done',
      async () => {
        const rows = await rowsOf<{ state: string }>(
          t.database.db,
          `SELECT state::text FROM pgboss.job WHERE name = '${QUEUES.deliver}'
            AND data->>'deliveryId' IN (${sends.map((send) => `'${send.id}'`).join(', ')})`,
        );
        return rows.length === 2 && rows.every((row) => row.state === 'completed');
      },
      10_000,
    );
    expect(org.requests('google', seen).map((request) => versionOf(request.body))).toEqual([2]);
    expect(await org.ownSends('google')).toMatchObject([
      { version: 1, status: 'superseded', attempts: 0 },
      { version: 2, status: 'success', attempts: 1 },
    ]);
    expect((await org.snapshot('google')).version).toBe(2);
  });

  it('stops retrying once the schedule is spent, and stays failing with no retry due', async () => {
    const org = await organization('exhausted');
    org.answer('facebook', 500);
    const job = await org.run({ site_ids: [org.siteIds.facebook] });
    expect(job.status).toBe('failed');
    const [send] = await waitFor(
      'the own send to fail',
      async () => {
        const sends = await org.ownSends('facebook');
        return sends[0]?.status === 'failed' && sends;
      },
      15_000,
    );
    // One send per retry of the schedule, each with its quick retries.
    expect(send).toMatchObject({
      status: 'failed',
      trigger: 'retry',
      attempts: RETRY_SCHEDULE_MS.length * ATTEMPTS_PER_SEND,
      next_attempt_at: null,
    });
    expect(await org.site('facebook')).toMatchObject({
      health: 'failing',
      enabled: true,
      consecutive_failures: 1 + RETRY_SCHEDULE_MS.length,
      next_attempt_at: null,
      last_error: 'HTTP 500',
    });
    expect(org.requests('facebook')).toHaveLength((1 + RETRY_SCHEDULE_MS.length) * ATTEMPTS_PER_SEND);
  });
});
