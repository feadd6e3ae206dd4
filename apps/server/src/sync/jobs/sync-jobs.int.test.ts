import type { SyncJob } from '@datasync/contracts';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../../test/support/demo.js';
import { startReceiver, type ReceivedRequest } from '../../../test/support/receivers.js';
import { rowsOf } from '../../../test/support/sql.js';
import { createSyncJob } from '../../../test/support/sync-org.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { addMember, signUp, type SignedInUser } from '../../../test/support/users.js';
import { waitFor } from '../../../test/support/wait.js';
import { QUEUES } from '../../queue/job-queue.js';

// Real sync jobs: the worker in this process delivers over real HTTP to receivers on 127.0.0.1.

type Received = ReceivedRequest;

/** A receiver whose status codes a test sets as it goes (used in order; the last one repeats). */
async function startScriptedReceiver() {
  let statuses = [200];
  let delayMs = 0;
  const receiver = await startReceiver(() => ({
    status: statuses.length > 1 ? statuses.shift()! : statuses[0]!,
    delayMs,
  }));
  return Object.assign(receiver, {
    received: receiver.requests,
    answer: (next: number[]) => {
      statuses = [...next];
    },
    /** Answers after `ms` from now on. */
    hold: (ms: number) => {
      delayMs = ms;
    },
  });
}

type Receiver = Awaited<ReturnType<typeof startScriptedReceiver>>;
const SITES = ['facebook', 'google', 'instagram'] as const;

let t: TestApp;
let owner: SignedInUser;
let demo: Awaited<ReturnType<typeof loadDemoData>>;
const receivers = {} as Record<(typeof SITES)[number], Receiver>;

beforeAll(async () => {
  for (const site of SITES) receivers[site] = await startScriptedReceiver();
  t = await createTestApp(
    { allowedDestinationOrigins: SITES.map((site) => receivers[site].origin) },
    // A generous timeout: the receivers share this process's event loop with PGlite, whose statements block it
    // (hundreds of ms on a loaded 2-core machine), and no test here is about timeouts (deliver.test.ts is).
    { worker: true, delivery: { quickRetryDelaysMs: [10, 20], timeoutMs: 10_000 } },
  );
  owner = await signUp(t.app, { organization: 'Sync Org' });
  demo = await demoOnReceivers(owner);
});

/** The demo in `user`'s organization, each of its sites delivering to its own receiver. */
async function demoOnReceivers(user: SignedInUser) {
  const loaded = await loadDemoData(t.app, t.database.db, user.headers);
  for (const site of SITES) {
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/sites/${loaded.siteIds[site]}`,
      headers: user.headers,
      payload: { destination_url: receivers[site].url },
    });
    expect(patched.statusCode).toBe(200);
  }
  return loaded;
}
afterAll(async () => {
  await t?.close();
  await Promise.all(Object.values(receivers).map((receiver) => receiver.close()));
});

async function runSync(payload: Record<string, unknown> = {}, headers = owner.headers): Promise<SyncJob> {
  const created = await t.app.inject({ method: 'POST', url: '/api/v1/sync-jobs', headers, payload });
  expect(created.statusCode).toBe(202);
  expect(created.json().status).toBe('queued');
  return waitForJob(created.json().id, (job) => ['success', 'partial', 'failed'].includes(job.status));
}

async function waitForJob(id: string, done: (job: SyncJob) => boolean, timeoutMs = 15_000): Promise<SyncJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sync-jobs/${id}`,
      headers: owner.headers,
    });
    const job: SyncJob = response.json();
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish: ${response.body}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The site's own sends (deliveries of no job) of `version`. */
function ownSendsOf(siteId: string, version: number) {
  return rowsOf<{ id: string; status: string; trigger: string; attempts: number }>(
    t.database.db,
    `SELECT id, status, trigger, attempts FROM deliveries
      WHERE site_id = '${siteId}' AND job_id IS NULL AND version = ${version} ORDER BY created_at`,
  );
}

const itemIdsIn = (received: Received) =>
  (JSON.parse(received.body) as { data: { items: { id: string }[] } }).data.items.map((item) => item.id);

describe('a manual sync of the demo', () => {
  it('delivers each site exactly its mapped items, signed, and records snapshots', async () => {
    const job = await runSync();
    expect(job.status).toBe('success');
    expect(job.sites.map((site) => [site.site_slug, site.status, site.version, site.response_code])).toEqual([
      ['facebook', 'success', 1, 200],
      ['google', 'success', 1, 200],
      ['instagram', 'success', 1, 200],
    ]);
    const { A, B, C } = demo.itemIds;
    expect(itemIdsIn(receivers.facebook.received.at(-1)!)).toEqual([A, B]);
    expect(itemIdsIn(receivers.google.received.at(-1)!)).toEqual([C]);
    expect(itemIdsIn(receivers.instagram.received.at(-1)!)).toEqual([A, B, C]);

    for (const site of SITES) {
      const secret = demo.result.sites.find((s) => s.slug === site)!.signing_secret!;
      const { headers, body } = receivers[site].received.at(-1)!;
      const verified = new Webhook(secret).verify(body, headers as Record<string, string>) as {
        type: string;
        data: { version: number; site: { slug: string }; job_id: string };
      };
      expect(verified).toMatchObject({
        type: 'content.synced',
        data: { version: 1, site: { slug: site }, job_id: job.id },
      });
    }

    const snapshot = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sites/${demo.siteIds.facebook}/snapshot`,
      headers: owner.headers,
    });
    expect(snapshot.json()).toMatchObject({ version: 1, item_count: 2, job_id: job.id });

    const logs = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sync-jobs/${job.id}/logs`,
      headers: owner.headers,
    });
    const messages = logs.json().map((line: { message: string }) => line.message);
    expect(messages[0]).toMatch(/Sync started \(manual\) for 3 site/);
    expect(messages.at(-1)).toMatch(/Sync success: 3 delivered/);
  });

  it('skips unchanged sites as up to date, and sends them again when forced', async () => {
    const before = receivers.google.received.length;
    const unchanged = await runSync();
    expect(unchanged.sites.map((site) => site.status)).toEqual(['up_to_date', 'up_to_date', 'up_to_date']);
    expect(receivers.google.received.length).toBe(before);

    const forced = await runSync({ force: true, site_ids: [demo.siteIds.google] });
    expect(forced.sites.map((site) => [site.site_slug, site.status, site.version])).toEqual([
      ['google', 'success', 2],
    ]);
    expect(receivers.google.received.length).toBe(before + 1);
  });

  it('retries quickly on 500s with the same webhook-id, then succeeds', async () => {
    receivers.google.answer([500, 500, 200]);
    const job = await runSync({ force: true, site_ids: [demo.siteIds.google] });
    expect(job.sites[0]).toMatchObject({ status: 'success', attempts: 3, response_code: 200 });
    const lastThree = receivers.google.received.slice(-3);
    expect(new Set(lastThree.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const logs = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sync-jobs/${job.id}/logs`,
      headers: owner.headers,
    });
    const warnings = logs.json().filter((line: { level: string }) => line.level === 'warn');
    expect(warnings.map((line: { message: string }) => line.message)).toEqual([
      expect.stringMatching(/attempt 1 failed \(HTTP 500\); retrying/),
      expect.stringMatching(/attempt 2 failed \(HTTP 500\); retrying/),
    ]);
  });

  it('ends the job failed after the quick retries; the site then delivers on its own retry', async () => {
    receivers.instagram.answer([503, 503, 503, 200]);
    const job = await runSync({ force: true, site_ids: [demo.siteIds.instagram] });
    expect(job.status).toBe('failed');
    expect(job.sites[0]).toMatchObject({ status: 'failed', attempts: 3, response_code: 503 });
    const [ownSend] = await ownSendsOf(demo.siteIds.instagram, job.sites[0]!.version!);
    expect(ownSend).toMatchObject({ status: 'pending', trigger: 'retry', attempts: 0 });
    // The first retry of the default schedule: ~5 s.
    await waitFor(
      'the own send delivered',
      async () => (await ownSendsOf(demo.siteIds.instagram, job.sites[0]!.version!))[0]?.status === 'success',
      15_000,
    );
    const site = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sites/${demo.siteIds.instagram}`,
      headers: owner.headers,
    });
    expect(site.json()).toMatchObject({ health: 'healthy', consecutive_failures: 0, last_error: null });
    expect((await waitForJob(job.id, () => true)).status).toBe('failed');
  }, 30_000);

  it("supersedes a site's pending retry with a newer version: only the newest state is sent", async () => {
    receivers.instagram.answer([503, 503, 503, 200]);
    const first = await runSync({ force: true, site_ids: [demo.siteIds.instagram] });
    expect(first.status).toBe('failed');
    const oldVersion = first.sites[0]!.version!;
    const [retry] = await ownSendsOf(demo.siteIds.instagram, oldVersion);
    expect(retry).toMatchObject({ status: 'pending' });
    const seenBefore = receivers.instagram.received.length;

    const newer = await runSync({ force: true, site_ids: [demo.siteIds.instagram] });
    expect(newer.sites[0]).toMatchObject({ status: 'success', version: oldVersion + 1 });
    expect(await ownSendsOf(demo.siteIds.instagram, oldVersion)).toMatchObject([{ status: 'superseded' }]);

    // The old version's retry, when due, sends nothing.
    await waitFor(
      "the superseded retry's queue job done",
      async () =>
        (
          await t.database.executeSql(
            `SELECT state::text AS state FROM pgboss.job WHERE name = $1 AND data->>'deliveryId' = $2`,
            [QUEUES.deliver, retry!.id],
          )
        ).rows.some((row) => (row as { state: string }).state === 'completed'),
      15_000,
    );
    const versionsSent = receivers.instagram.received
      .slice(seenBefore)
      .map((r) => (JSON.parse(r.body) as { data: { version: number } }).data.version);
    expect(versionsSent).toEqual([oldVersion + 1]);
  }, 30_000);

  it('disables a site that answers 410 Gone and reports the job as failed', async () => {
    receivers.facebook.answer([410]);
    const job = await runSync({ force: true, site_ids: [demo.siteIds.facebook] });
    expect(job.status).toBe('failed');
    expect(job.sites[0]).toMatchObject({ status: 'failed', response_code: 410, attempts: 1 });
    const site = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sites/${demo.siteIds.facebook}`,
      headers: owner.headers,
    });
    expect(site.json()).toMatchObject({ enabled: false, disabled_reason: 'The receiver answered 410 Gone.' });

    receivers.facebook.answer([200]);
    const retried = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sync-jobs/${job.id}/retry`,
      headers: owner.headers,
    });
    expect(retried.statusCode).toBe(202);
    const after = await waitForJob(retried.json().id, (j) => j.status !== 'queued' && j.status !== 'running');
    expect(after.sites[0]).toMatchObject({ status: 'failed' });
    expect(after.sites[0]!.attempts).toBe(0);
  });
});

describe('many sites in one job', () => {
  it('delivers each of 40 sites exactly once, concurrently, without deadlocks or duplicate sends', async () => {
    receivers.google.answer([200]);
    const siteIds: string[] = [];
    for (let n = 0; n < 40; n += 1) {
      const site = await t.app.inject({
        method: 'POST',
        url: '/api/v1/sites',
        headers: owner.headers,
        payload: { name: `Fan-out ${n}`, slug: `fan-out-${n}`, destination_url: receivers.google.url },
      });
      siteIds.push(site.json().id);
      await t.app.inject({
        method: 'PUT',
        url: '/api/v1/mappings',
        headers: owner.headers,
        payload: { site_id: site.json().id, content_item_id: demo.itemIds.A, mode: 'full' },
      });
    }
    const before = receivers.google.received.length;
    const job = await runSync({ site_ids: siteIds });
    expect(job.status).toBe('success');
    expect(job.sites.filter((site) => site.status !== 'success' || site.attempts !== 1)).toEqual([]);
    const sent = receivers.google.received
      .slice(before)
      .map((r) => (JSON.parse(r.body) as { data: { site: { id: string } } }).data.site.id);
    expect(sent.sort()).toEqual([...siteIds].sort());
  });
});

describe('a site that keeps failing', () => {
  it('is refused by the SSRF guard at delivery time, and disabled once it has accepted nothing for days', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: owner.headers,
      payload: { name: 'Old broken site', slug: 'old-broken', destination_url: receivers.google.url },
    });
    expect(created.statusCode).toBe(201);
    const siteId = created.json().id;
    // Behind the API's back, as if DNS or an old row now pointed at a private address, and the site is 10 days old.
    await t.database.exec(
      `UPDATE sites SET destination_url = 'http://127.0.0.1:9/hook', created_at = now() - interval '10 days'
        WHERE id = '${siteId}'`,
    );
    const job = await runSync({ site_ids: [siteId] });
    expect(job.status).toBe('failed');
    expect(job.sites[0]).toMatchObject({ status: 'failed', response_code: null });
    expect(job.sites[0]!.error).toMatch(/127\.0\.0\.1|private|loopback|blocked|allowed/i);
    const site = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sites/${siteId}`,
      headers: owner.headers,
    });
    expect(site.json()).toMatchObject({
      enabled: false,
      disabled_reason: 'No delivery accepted for 10 days.',
    });
  });

  it('stays enabled after a failure when it accepted a delivery recently', async () => {
    const job = await runSync({ force: true, site_ids: [demo.siteIds.google] });
    expect(job.status).toBe('success');
    await t.database.exec(
      `UPDATE sites SET destination_url = 'http://127.0.0.1:9/hook' WHERE id = '${demo.siteIds.google}'`,
    );
    const failed = await runSync({ force: true, site_ids: [demo.siteIds.google] });
    expect(failed.status).toBe('failed');
    const site = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sites/${demo.siteIds.google}`,
      headers: owner.headers,
    });
    expect(site.json()).toMatchObject({ enabled: true });
    await t.database.exec(
      `UPDATE sites SET destination_url = '${receivers.google.url}' WHERE id = '${demo.siteIds.google}'`,
    );
  });
});

describe('sync jobs and tenants', () => {
  it("another organization gets 404 for A's job and snapshot, and 422 for A's site ids", async () => {
    const [job] = (
      await t.app.inject({ method: 'GET', url: '/api/v1/sync-jobs', headers: owner.headers })
    ).json().items;
    const intruder = await signUp(t.app, { organization: 'Intruder' });
    for (const url of [
      `/api/v1/sync-jobs/${job.id}`,
      `/api/v1/sync-jobs/${job.id}/logs`,
      `/api/v1/sites/${demo.siteIds.google}/snapshot`,
    ]) {
      expect((await t.app.inject({ method: 'GET', url, headers: intruder.headers })).statusCode, url).toBe(
        404,
      );
    }
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sync-jobs',
      headers: intruder.headers,
      payload: { site_ids: [demo.siteIds.google] },
    });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.json().errors).toEqual([
      { in: 'body', pointer: '/site_ids/0', message: 'is not a site of this organization' },
    ]);
    const retry = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sync-jobs/${job.id}/retry`,
      headers: intruder.headers,
    });
    expect(retry.statusCode).toBe(404);
  });

  it('lets a viewer read jobs but not run them', async () => {
    const viewer = await addMember(t.app, owner, 'viewer');
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/sync-jobs', headers: viewer.headers })).statusCode,
    ).toBe(200);
    const run = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sync-jobs',
      headers: viewer.headers,
      payload: {},
    });
    expect(run.statusCode).toBe(403);
  });
});

describe('publish triggers', () => {
  async function jobsByTrigger(trigger: string): Promise<SyncJob[]> {
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/sync-jobs?limit=200',
      headers: owner.headers,
    });
    return list.json().items.filter((job: SyncJob) => job.trigger === trigger);
  }

  const patchItem = (id: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'PATCH', url: `/api/v1/content-items/${id}`, headers: owner.headers, payload });

  it('publishing an item syncs the sites that map it, and only those', async () => {
    receivers.instagram.answer([200]);
    const before = (await jobsByTrigger('publish')).length;
    expect((await patchItem(demo.itemIds.D, { status: 'published' })).statusCode).toBe(200);

    const deadline = Date.now() + 10_000;
    let jobs = await jobsByTrigger('publish');
    while (jobs.length === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      jobs = await jobsByTrigger('publish');
    }
    expect(jobs).toHaveLength(before + 1);
    const job = await waitForJob(jobs[0]!.id, (j) => ['success', 'partial', 'failed'].includes(j.status));
    expect(job.sites.map((site) => [site.site_slug, site.status])).toEqual([['instagram', 'success']]);
    expect(itemIdsIn(receivers.instagram.received.at(-1)!)).toContain(demo.itemIds.D);
  });

  it('coalesces changes made in quick succession into one job covering all their sites', async () => {
    receivers.google.answer([200]);
    receivers.instagram.answer([200]);
    const before = (await jobsByTrigger('publish')).length;
    // C goes to Google and Instagram; D to Instagram only.
    await patchItem(demo.itemIds.C, { title: 'Acme Downtown: open late on Fridays' });
    await patchItem(demo.itemIds.D, { title: 'Black Friday: early access' });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const jobs = await jobsByTrigger('publish');
    expect(jobs).toHaveLength(before + 1);
    const job = await waitForJob(jobs[0]!.id, (j) => ['success', 'partial', 'failed'].includes(j.status));
    expect(job.sites.map((site) => site.site_slug)).toEqual(['google', 'instagram']);
  });

  it('does not sync for changes to drafts', async () => {
    const draft = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/content-items/${demo.itemIds.D}`,
      headers: owner.headers,
      payload: { status: 'draft' },
    });
    expect(draft.statusCode).toBe(200); // unpublishing is itself a change the sites must see
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const afterUnpublish = (await jobsByTrigger('publish')).length;
    await patchItem(demo.itemIds.D, { title: 'Still a draft' });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await jobsByTrigger('publish')).length).toBe(afterUnpublish);
  });
});

describe('GET /metrics', () => {
  it('counts each delivery, its latency and the job, and exposes queue depth for Prometheus', async () => {
    const scrape = async () => {
      const response = await t.app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      return (pattern: RegExp) => Number(pattern.exec(response.body)?.[1] ?? NaN);
    };
    const delivered = /^datasync_deliveries_total\{outcome="success"\} (\d+)/m;
    const latencies = /^datasync_delivery_latency_seconds_count (\d+)/m;
    const succeeded = /^datasync_sync_job_duration_seconds_count\{status="success"\} (\d+)/m;
    const before = await scrape();
    const job = await runSync({ force: true, site_ids: [demo.siteIds.google, demo.siteIds.instagram] });
    expect(job.status).toBe('success');
    const after = await scrape();
    expect(after(delivered) - before(delivered)).toBe(2);
    expect(after(latencies) - before(latencies)).toBe(2);
    expect(after(succeeded) - before(succeeded)).toBe(1);
    // The one 410 of the file, from the site it disabled.
    expect(after(/^datasync_deliveries_total\{outcome="gone"\} (\d+)/m)).toBe(1);
    expect(Number.isInteger(after(/^datasync_queue_depth\{queue="sync-deliver"\} (\d+)/m))).toBe(true);
  });
});

describe('queue jobs carry chunks of deliveries', () => {
  it('one queue job for the plan, completed only once its last delivery is recorded', async () => {
    // An organization of its own (earlier tests leave this one's sites disabled), on the same receivers, whose
    // Instagram answers slowly: the chunk's other deliveries are recorded while it is still sending.
    for (const site of SITES) receivers[site].answer([200]);
    receivers.instagram.hold(1_500);
    try {
      const other = await signUp(t.app, { organization: 'Chunk Org' });
      await demoOnReceivers(other);
      const jobId = await createSyncJob(t.app, other);
      const chunks = async () =>
        (
          await t.database.executeSql(
            `SELECT q.state, q.data FROM pgboss.job q
              WHERE q.name = $2 AND q.data ? 'deliveryIds'
                AND (q.data->'deliveryIds'->>0)::uuid IN (SELECT id FROM deliveries WHERE job_id = $1)`,
            [jobId, QUEUES.deliver],
          )
        ).rows as { state: string; data: { deliveryIds: string[] } }[];
      const statuses = async () =>
        (
          await t.database.executeSql(`SELECT status FROM deliveries WHERE job_id = $1 ORDER BY status`, [
            jobId,
          ])
        ).rows.map((row) => (row as { status: string }).status);

      // Facebook and Google recorded, Instagram still sending: its chunk is still the worker's.
      const deadline = Date.now() + 10_000;
      while ((await statuses()).filter((status) => status === 'success').length < 2) {
        if (Date.now() > deadline) throw new Error(`not recorded: ${(await statuses()).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Time for a completion to follow those records, were it not waiting for Instagram's (still 1 s away).
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await statuses()).toEqual(['pending', 'success', 'success']);
      const during = await chunks();
      expect(during).toHaveLength(1);
      expect(during[0]!.data.deliveryIds).toHaveLength(3);
      expect(during[0]!.state).toBe('active');

      await expect
        .poll(async () => (await statuses()).join(','), { timeout: 10_000 })
        .toBe('success,success,success');
      await expect.poll(async () => (await chunks())[0]!.state, { timeout: 10_000 }).toBe('completed');
    } finally {
      receivers.instagram.hold(0);
    }
  });
});
