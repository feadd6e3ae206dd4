import type { Site, SiteDelivery } from '@datasync/contracts';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../../test/support/api.js';
import { createSyncJob, organizationWithSites } from '../../test/support/sync-org.js';
import { createTestApp, planningContext, type TestApp } from '../../test/support/test-app.js';
import { signUp, type SignedInUser } from '../../test/support/users.js';
import { sites } from '../db/schema/index.js';
import { QUEUES } from '../queue/job-queue.js';
import { planSyncJob } from '../sync/plan/planner.js';

// A site's health in the sites API: the ?health= filter, and what enabling and disabling a site do to its health
// and its own sends. No worker runs here: a site's own send stays pending, so the test sees what was queued.

// The test app allows the demo landing pages' origin past the SSRF guard; nothing listens there, nothing is sent.
const DESTINATION = 'http://127.0.0.1:3001/hook';

let t: TestApp;
let owner: SignedInUser;
let other: SignedInUser;
const api = apiClient(() => t.app);

beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Health Org' });
  other = await signUp(t.app, { organization: 'Other Health Org' });
});
afterAll(() => t?.close());

async function createSite(who: SignedInUser, slug: string): Promise<string> {
  const created = await api('POST', '/sites', who, { name: slug, slug, destination_url: DESTINATION });
  expect(created.statusCode, created.body).toBe(201);
  return created.json().id;
}

/** Every page of GET /sites with `query`, followed through next_cursor: the slugs in order. */
async function slugsListed(who: SignedInUser, query: string): Promise<string[]> {
  const slugs: string[] = [];
  let cursor: string | null = null;
  do {
    const response = await api(
      'GET',
      `/sites?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      who,
    );
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json() as { items: Site[]; next_cursor: string | null };
    slugs.push(...page.items.map((site) => site.slug));
    cursor = page.next_cursor;
  } while (cursor);
  return slugs;
}

describe('GET /api/v1/sites?health=', () => {
  it('lists exactly the sites of that health, newest first, a page at a time', async () => {
    const ids: Record<string, string> = {};
    for (const slug of ['ok-1', 'failing-1', 'off-1', 'ok-2', 'failing-2', 'off-failing'])
      ids[slug] = await createSite(owner, slug);
    // Another organization's failing and disabled sites must not show.
    const foreign = [await createSite(other, 'failing-x'), await createSite(other, 'off-x')];

    // What the delivery recorder writes for a failing site, set directly.
    await t.database.db
      .update(sites)
      .set({ failingSince: new Date().toISOString(), consecutiveFailures: 3, lastError: 'HTTP 500' })
      .where(inArray(sites.id, [ids['failing-1']!, ids['failing-2']!, ids['off-failing']!, foreign[0]!]));
    await t.database.db
      .update(sites)
      .set({ enabled: false, disabledReason: 'Disabled by a user.' })
      .where(inArray(sites.id, [ids['off-1']!, ids['off-failing']!, foreign[1]!]));

    expect(await slugsListed(owner, 'health=healthy&limit=1')).toEqual(['ok-2', 'ok-1']);
    expect(await slugsListed(owner, 'health=failing&limit=1')).toEqual(['failing-2', 'failing-1']);
    // Disabled wins over failing: a disabled site is sent nothing, whatever its last send got.
    expect(await slugsListed(owner, 'health=disabled')).toEqual(['off-failing', 'off-1']);
    expect(await slugsListed(owner, 'limit=2')).toEqual([
      'off-failing',
      'failing-2',
      'ok-2',
      'off-1',
      'failing-1',
      'ok-1',
    ]);
    expect(await slugsListed(other, 'health=failing')).toEqual(['failing-x']);
    expect(await slugsListed(other, 'health=disabled')).toEqual(['off-x']);

    const failing = await api('GET', '/sites?health=failing', owner);
    expect(
      failing.json().items.map((site: Site) => [site.slug, site.health, site.consecutive_failures]),
    ).toEqual([
      ['failing-2', 'failing', 3],
      ['failing-1', 'failing', 3],
    ]);
  });

  it('refuses a health that does not exist, naming the parameter', async () => {
    for (const value of ['sick', 'HEALTHY', '']) {
      const response = await api('GET', `/sites?health=${value}`, owner);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.json()).toMatchObject({
        type: 'urn:datasync:problem:validation-error',
        errors: [{ in: 'querystring', pointer: '/health', message: expect.any(String) }],
      });
    }
  });
});

describe('PATCH /api/v1/sites/:id { enabled }', () => {
  /** The deliver-queue jobs of one delivery, and whether each may start at once. */
  async function queueJobsOf(deliveryId: string) {
    const { rows } = await t.database.executeSql(
      `SELECT data, start_after <= now() AS due_now FROM pgboss.job WHERE name = $1 AND data->>'deliveryId' = $2`,
      [QUEUES.deliver, deliveryId],
    );
    return rows;
  }

  async function deliveriesOfSite(siteId: string, who = owner): Promise<SiteDelivery[]> {
    const response = await api('GET', `/sites/${siteId}/deliveries`, who);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items;
  }

  it('disabling drops the pending own send; re-enabling resets health and sends the latest planned payload', async () => {
    const org = await organizationWithSites(t.app, t.database.db, {
      label: 'Enable Org',
      count: 3,
      destinationUrl: DESTINATION,
    });
    const site = org.sites[0]!;
    const as = (method: 'PATCH' | 'POST', url: string, body?: unknown) => api(method, url, org.owner, body);
    const deliveriesOf = (siteId: string) => deliveriesOfSite(siteId, org.owner);
    const jobId = await createSyncJob(t.app, org.owner, { site_ids: [site.id] });
    await planSyncJob(planningContext(t), { jobId, orgId: org.orgId });
    const [planned] = await deliveriesOf(site.id);
    expect(planned).toMatchObject({ job_id: jobId, trigger: null, version: 1, status: 'pending' });

    const redelivered = await as('POST', `/sites/${site.id}/redeliver`);
    expect(redelivered.statusCode, redelivered.body).toBe(202);
    const sendId = redelivered.json().delivery_id;
    expect(redelivered.json()).toEqual({ status: 'queued', version: 1, delivery_id: sendId });
    // Queued due now, not after a backoff.
    expect(await queueJobsOf(sendId)).toEqual([
      { data: { deliveryId: sendId, orgId: org.orgId, retry: 0 }, due_now: true },
    ]);

    // What the recorder writes for a site whose sends keep failing.
    const failingSince = new Date(Date.now() - 60_000).toISOString();
    await t.database.db
      .update(sites)
      .set({
        failingSince,
        consecutiveFailures: 4,
        nextAttemptAt: new Date(Date.now() + 300_000).toISOString(),
        lastError: 'HTTP 503',
      })
      .where(eq(sites.id, site.id));

    const disabled = await as('PATCH', `/sites/${site.id}`, { enabled: false });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json()).toMatchObject({
      enabled: false,
      disabled_reason: 'Disabled by a user.',
      health: 'disabled',
      failing_since: failingSince,
      consecutive_failures: 4,
      next_attempt_at: null,
      last_error: 'HTTP 503',
    });
    expect((await deliveriesOf(site.id)).map((d) => [d.id, d.trigger, d.status])).toEqual([
      [sendId, 'redeliver', 'superseded'],
      [planned!.id, null, 'pending'],
    ]);

    const enabled = await as('PATCH', `/sites/${site.id}`, { enabled: true });
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
    const [enableSend, ...older] = await deliveriesOf(site.id);
    expect(enableSend).toMatchObject({ job_id: null, trigger: 'enable', version: 1, status: 'pending' });
    expect(await queueJobsOf(enableSend!.id)).toEqual([
      { data: { deliveryId: enableSend!.id, orgId: org.orgId, retry: 0 }, due_now: true },
    ]);
    expect(older.map((d) => [d.id, d.status])).toEqual([
      [sendId, 'superseded'],
      [planned!.id, 'pending'],
    ]);

    // Enabling a site that is enabled leaves its health and its sends as they are.
    await t.database.db
      .update(sites)
      .set({ failingSince, consecutiveFailures: 1 })
      .where(eq(sites.id, site.id));
    const again = await as('PATCH', `/sites/${site.id}`, { enabled: true });
    expect(again.json()).toMatchObject({
      health: 'failing',
      failing_since: failingSince,
      consecutive_failures: 1,
    });
    expect((await deliveriesOf(site.id)).length).toBe(3);
  });

  it('re-enabling a site no sync has planned yet sends nothing', async () => {
    const siteId = await createSite(owner, 'never-planned');
    expect((await api('PATCH', `/sites/${siteId}`, owner, { enabled: false })).statusCode).toBe(200);
    const enabled = await api('PATCH', `/sites/${siteId}`, owner, { enabled: true });
    expect(enabled.json()).toMatchObject({ enabled: true, health: 'healthy' });
    expect(await deliveriesOfSite(siteId)).toEqual([]);
  });
});
