import type { SiteDelivery, SyncJob } from '@datasync/contracts';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../../../test/support/api.js';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';
import { rowsOf } from '../../../test/support/sql.js';
import { createSyncJob, organizationWithSites, type SyncOrgSite } from '../../../test/support/sync-org.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { addMember, signUp, type SignedInUser } from '../../../test/support/users.js';
import { waitFor } from '../../../test/support/wait.js';
import { sites } from '../../db/schema/index.js';

// A site's own sends through the API, delivered by the worker in this process over real HTTP: redelivering the
// latest payload, the send on re-enabling a site, and a site's list of deliveries. The receiver answers per site,
// as the test sets it, and keeps what each request carried and what it was answered.
//
// A delivery refused after its quick retries gets a durable retry about 5 s later (as a job's delivery, or as the
// site's own send): the tests act well within those 5 s and count only what is decided by then.

interface Arrival {
  siteId: string;
  version: number;
  webhookId: string;
  status: number;
}

let t: TestApp;
let receiver: Receiver;
const arrivals: Arrival[] = [];
/** The status each site's requests are answered with; 200 for a site not listed. */
const answers = new Map<string, number>();
let org: { owner: SignedInUser; orgId: string; sites: SyncOrgSite[] };
const api = apiClient(() => t.app);

beforeAll(async () => {
  receiver = await startReceiver((request) => {
    const { data } = JSON.parse(request.body) as { data: { site: { id: string }; version: number } };
    const status = answers.get(data.site.id) ?? 200;
    arrivals.push({
      siteId: data.site.id,
      version: data.version,
      webhookId: String(request.headers['webhook-id']),
      status,
    });
    return { status };
  });
  t = await createTestApp(
    { allowedDestinationOrigins: [receiver.origin] },
    // A generous timeout: PGlite's statements share this process's event loop with the receiver.
    { worker: true, delivery: { quickRetryDelaysMs: [10, 20], timeoutMs: 10_000 } },
  );
  org = await organizationWithSites(t.app, t.database.db, {
    label: 'Site Sends Org',
    count: 6,
    destinationUrl: receiver.url,
  });
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

/** What the receiver got for `siteId`, as [version, status answered] in arrival order. */
const arrivedFor = (siteId: string) =>
  arrivals.filter((arrival) => arrival.siteId === siteId).map((arrival) => [arrival.version, arrival.status]);

async function jobOf(jobId: string, who = org.owner): Promise<SyncJob> {
  const response = await api('GET', `/sync-jobs/${jobId}`, who);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** The site's accepted version (snapshot), once it is `version`. */
function accepted(siteId: string, version: number, who = org.owner) {
  return waitFor(
    `site ${siteId} to accept version ${version}`,
    async () => {
      const response = await api('GET', `/sites/${siteId}/snapshot`, who);
      return response.statusCode === 200 && response.json().version === version;
    },
    15_000,
  );
}

/** A sync of `siteId` whose one delivery the receiver refused with `status` through all its quick retries. */
async function refusedSync(siteId: string, status: number): Promise<string> {
  answers.set(siteId, status);
  const jobId = await createSyncJob(t.app, org.owner, { site_ids: [siteId], force: true });
  await waitFor(
    'the refused send to be recorded',
    async () => (await jobOf(jobId)).sites[0]?.attempts === 3,
    15_000,
  );
  return jobId;
}

async function deliveriesOf(siteId: string, who = org.owner, query = ''): Promise<SiteDelivery[]> {
  const response = await api('GET', `/sites/${siteId}/deliveries${query}`, who);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

describe('POST /api/v1/sites/:id/redeliver', () => {
  it('sends the version the receiver refused once it is back, at once, then answers up_to_date', async () => {
    const site = org.sites[0]!;
    const jobId = await refusedSync(site.id, 500);
    expect(arrivedFor(site.id)).toEqual([
      [1, 500],
      [1, 500],
      [1, 500],
    ]);
    const planned = arrivals.find((arrival) => arrival.siteId === site.id)!;

    answers.set(site.id, 200);
    const redelivered = await api('POST', `/sites/${site.id}/redeliver`, org.owner);
    expect(redelivered.statusCode, redelivered.body).toBe(202);
    const deliveryId = redelivered.json().delivery_id;
    expect(redelivered.json()).toEqual({ status: 'queued', version: 1, delivery_id: expect.any(String) });

    await accepted(site.id, 1);
    expect(arrivedFor(site.id)).toEqual([
      [1, 500],
      [1, 500],
      [1, 500],
      [1, 200],
    ]);
    // The same webhook: a receiver that had applied it applies it once.
    expect(arrivals.filter((a) => a.siteId === site.id).map((a) => a.webhookId)).toEqual(
      Array(4).fill(planned.webhookId),
    );
    // Newest first: the redelivery, the durable retry it replaced, the job's own delivery.
    const [own, retry, ofJob] = await deliveriesOf(site.id);
    expect(own).toMatchObject({
      id: deliveryId,
      job_id: null,
      trigger: 'redeliver',
      version: 1,
      status: 'success',
      attempts: 1,
      response_code: 200,
      error: null,
    });
    expect(retry).toMatchObject({
      job_id: null,
      trigger: 'retry',
      version: 1,
      status: 'superseded',
      attempts: 0,
    });
    expect(ofJob).toMatchObject({ job_id: jobId, trigger: null, version: 1, status: 'failed', attempts: 3 });

    const again = await api('POST', `/sites/${site.id}/redeliver`, org.owner);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual({ status: 'up_to_date', version: 1, delivery_id: null });

    const audit = await rowsOf<{ action: string; after: unknown }>(
      t.database.db,
      `SELECT action, after FROM audit_log WHERE entity_id = '${site.id}' AND action = 'site.redeliver'`,
    );
    expect(audit).toEqual([
      { action: 'site.redeliver', after: { status: 'queued', version: 1, delivery_id: deliveryId } },
    ]);
  });

  it('refuses a site nothing was planned for, and a disabled one (409)', async () => {
    const site = org.sites[1]!;
    const never = await api('POST', `/sites/${site.id}/redeliver`, org.owner);
    expect(never.statusCode, never.body).toBe(409);
    expect(never.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(never.json()).toMatchObject({
      type: 'urn:datasync:problem:conflict',
      detail: 'Nothing to redeliver: run a sync first.',
    });

    expect((await api('PATCH', `/sites/${site.id}`, org.owner, { enabled: false })).statusCode).toBe(200);
    const disabled = await api('POST', `/sites/${site.id}/redeliver`, org.owner);
    expect(disabled.statusCode, disabled.body).toBe(409);
    expect(disabled.json()).toMatchObject({
      type: 'urn:datasync:problem:conflict',
      detail: 'The site is disabled; enable it first.',
    });
    expect(await deliveriesOf(site.id)).toEqual([]);
    expect(arrivedFor(site.id)).toEqual([]);
  });

  it("answers 404 for another organization's site and an unknown id, 403 to a viewer", async () => {
    const site = org.sites[0]!;
    const stranger = await signUp(t.app, { organization: 'Stranger Org' });
    const foreign = await api('POST', `/sites/${site.id}/redeliver`, stranger);
    expect(foreign.statusCode, foreign.body).toBe(404);
    const unknown = await api('POST', '/sites/5d0c4a52-8c8e-4a50-9a3e-0c8f2f1f6b11/redeliver', org.owner);
    expect(unknown.statusCode, unknown.body).toBe(404);

    const viewer = await addMember(t.app, org.owner, 'viewer');
    const refused = await api('POST', `/sites/${site.id}/redeliver`, viewer);
    expect(refused.statusCode, refused.body).toBe(403);
    const editor = await addMember(t.app, org.owner, 'editor');
    const allowed = await api('POST', `/sites/${site.id}/redeliver`, editor);
    expect(allowed.json()).toEqual({ status: 'up_to_date', version: 1, delivery_id: null });
  });
});

describe('GET /api/v1/sites/:id/deliveries', () => {
  it("lists the site's deliveries of every job and its own sends, newest first, a page at a time", async () => {
    const site = org.sites[3]!;
    const first = await createSyncJob(t.app, org.owner, { site_ids: [site.id] });
    await accepted(site.id, 1);
    const unchanged = await createSyncJob(t.app, org.owner, { site_ids: [site.id] });
    await waitFor(
      'the unchanged sync to end',
      async () => (await jobOf(unchanged)).status === 'success',
      15_000,
    );
    // 410 Gone: refused at once, and the site disabled; re-enabling it sends version 2.
    answers.set(site.id, 410);
    const gone = await createSyncJob(t.app, org.owner, { site_ids: [site.id], force: true });
    await waitFor('the refused sync to end', async () => (await jobOf(gone)).status === 'failed', 15_000);
    answers.set(site.id, 200);
    expect((await api('PATCH', `/sites/${site.id}`, org.owner, { enabled: true })).statusCode).toBe(200);
    await accepted(site.id, 2);

    const all = await deliveriesOf(site.id);
    expect(all.map((d) => [d.job_id, d.trigger, d.version, d.status, d.response_code])).toEqual([
      [null, 'enable', 2, 'success', 200],
      [gone, null, 2, 'failed', 410],
      [unchanged, null, 1, 'up_to_date', null],
      [first, null, 1, 'success', 200],
    ]);

    const pageOne = await api('GET', `/sites/${site.id}/deliveries?limit=3`, org.owner);
    expect(pageOne.json().items.map((d: SiteDelivery) => d.id)).toEqual(all.slice(0, 3).map((d) => d.id));
    const cursor = pageOne.json().next_cursor;
    expect(cursor).toEqual(expect.any(String));
    const pageTwo = await api(
      'GET',
      `/sites/${site.id}/deliveries?limit=3&cursor=${encodeURIComponent(cursor)}`,
      org.owner,
    );
    expect(pageTwo.json()).toEqual({ items: [all[3]], next_cursor: null });

    const viewer = await addMember(t.app, org.owner, 'viewer');
    expect(await deliveriesOf(site.id, viewer)).toEqual(all);
  });

  it("answers 404 to another organization, and for a site it has itself lists only that site's deliveries", async () => {
    const stranger = await organizationWithSites(t.app, t.database.db, {
      label: 'Stranger Sends Org',
      count: 3,
      destinationUrl: receiver.url,
    });
    const foreign = await api('GET', `/sites/${org.sites[3]!.id}/deliveries`, stranger.owner);
    expect(foreign.statusCode, foreign.body).toBe(404);
    expect(foreign.json()).toMatchObject({ type: 'urn:datasync:problem:not-found', detail: 'No such site.' });
    expect(await deliveriesOf(stranger.sites[0]!.id, stranger.owner)).toEqual([]);
  });
});

describe('PATCH /api/v1/sites/:id { enabled: true }', () => {
  it('sends a site that is behind its latest version without a new sync, and resets its health', async () => {
    const site = org.sites[2]!;
    await refusedSync(site.id, 500);
    expect((await api('PATCH', `/sites/${site.id}`, org.owner, { enabled: false })).statusCode).toBe(200);
    // What the recorder writes for a failing site.
    await t.database.db
      .update(sites)
      .set({ failingSince: new Date().toISOString(), consecutiveFailures: 1, lastError: 'HTTP 500' })
      .where(eq(sites.id, site.id));

    // A sync of all sites while it is disabled passes it by.
    const before = arrivedFor(site.id).length;
    const jobId = await createSyncJob(t.app, org.owner);
    const job = await waitFor(
      'the sync of all sites to end',
      async () => {
        const viewed = await jobOf(jobId);
        return ['success', 'partial', 'failed'].includes(viewed.status) && viewed;
      },
      15_000,
    );
    expect(job.sites.map((entry) => entry.site_id)).not.toContain(site.id);
    expect(arrivedFor(site.id).length).toBe(before);

    answers.set(site.id, 200);
    const enabled = await api('PATCH', `/sites/${site.id}`, org.owner, { enabled: true });
    expect(enabled.statusCode, enabled.body).toBe(200);
    expect(enabled.json()).toMatchObject({
      enabled: true,
      disabled_reason: null,
      health: 'healthy',
      failing_since: null,
      consecutive_failures: 0,
      next_attempt_at: null,
      last_error: null,
    });
    await accepted(site.id, 1);
    expect(arrivedFor(site.id).filter(([, status]) => status === 200)).toEqual([[1, 200]]);
    const [own] = await deliveriesOf(site.id);
    expect(own).toMatchObject({ job_id: null, trigger: 'enable', version: 1, status: 'success' });
  });
});
