import type { Alert, AlertBody, Page, Site, Snapshot, SyncJob } from '@datasync/contracts';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from './support/demo.js';
import { startReceiver, type Receiver, type Reply } from './support/receivers.js';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from './support/test-app.js';
import { signUp } from './support/users.js';
import { waitFor } from './support/wait.js';

// The whole loop an operator relies on, through real syncs: a receiver that starts failing makes its job end
// `partial` at once, the site `failing`, and an alert channel hears `sync.failed` and `site.failing` once, however
// many retries fail; when the receiver answers again the site's own retry delivers without anyone acting, the site
// is `healthy`, and the channel hears `site.recovered`. One receiver serves the sites (by path) and the channel.

/** RETRY_SCHEDULE for this file (each ±20 %). */
const RETRY_SCHEDULE_MS = [1_000, 1_000, 1_000, 1_000, 1_000, 1_000];
const ALERTS_PATH = '/alerts';

let t: TestApp;
let receiver: Receiver;
let instagramAnswer = 500;

beforeAll(async () => {
  receiver = await startReceiver((request): Reply =>
    request.path.endsWith('/instagram')
      ? { status: instagramAnswer }
      : { status: request.path === ALERTS_PATH ? 204 : 200 },
  );
  t = await createTestApp(
    { allowedDestinationOrigins: [receiver.origin], retryScheduleMs: RETRY_SCHEDULE_MS },
    {
      worker: true,
      delivery: { quickRetryDelaysMs: [10, 20], timeoutMs: 10_000 },
      alerts: { pollingIntervalSeconds: 0.5, quickRetryDelaysMs: [] },
    },
  );
});

afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

describe('a failing receiver, seen and recovered without anyone acting', () => {
  it('ends the job partial, marks the site failing, alerts once per change, and recovers on its own', async () => {
    const owner = await signUp(t.app, { organization: 'Recovery Org' });
    const demo = await loadDemoData(t.app, t.database.db, owner.headers);
    const inject = async <T>(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
      const response = await t.app.inject({ method, url, headers: owner.headers, payload });
      expect(response.statusCode, response.body).toBeLessThan(300);
      return response.json() as T;
    };
    for (const slug of ['facebook', 'google', 'instagram'] as const)
      await inject('PATCH', `/api/v1/sites/${demo.siteIds[slug]}`, {
        destination_url: `${receiver.origin}/recovery/${slug}`,
      });
    const channel = await inject<{ signing_secret: string }>('POST', '/api/v1/alert-channels', {
      type: 'webhook',
      url: `${receiver.origin}${ALERTS_PATH}`,
    });
    const instagramId = demo.siteIds.instagram;
    const instagramSite = () => inject<Site>('GET', `/api/v1/sites/${instagramId}`);
    const alertsReceived = () =>
      receiver.requests
        .filter((request) => request.path === ALERTS_PATH)
        .map(
          (request) =>
            new Webhook(channel.signing_secret).verify(
              request.body,
              request.headers as Record<string, string>,
            ) as AlertBody,
        );

    const { id: jobId } = await inject<{ id: string }>('POST', '/api/v1/sync-jobs', {});
    const job = await waitFor(
      'the job to end',
      async () => {
        const found = await inject<SyncJob>('GET', `/api/v1/sync-jobs/${jobId}`);
        return ['success', 'partial', 'failed'].includes(found.status) && found;
      },
      15_000,
    );
    expect(job.status).toBe('partial');
    expect(job.counts).toEqual({ delivered: 2, up_to_date: 0, failed: 1, superseded: 0 });
    const version = job.sites.find((site) => site.site_id === instagramId)!.version!;

    // Several durable retries fail while the receiver keeps answering 500: the site says so, one alert says so.
    const failing = await waitFor(
      'three failed sends of the site',
      async () => {
        const site = await instagramSite();
        return site.consecutive_failures >= 3 && site;
      },
      15_000,
    );
    expect(failing).toMatchObject({
      health: 'failing',
      last_error: 'HTTP 500',
      failing_since: expect.any(String),
      next_attempt_at: expect.any(String),
    });
    const listed = await inject<Page<Site>>('GET', '/api/v1/sites?health=failing');
    expect(listed.items.map((site) => site.id)).toEqual([instagramId]);

    instagramAnswer = 200;
    const healthy = await waitFor(
      'the site to recover on its own',
      async () => {
        const site = await instagramSite();
        return site.health === 'healthy' && site;
      },
      15_000,
    );
    expect(healthy).toMatchObject({
      failing_since: null,
      consecutive_failures: 0,
      next_attempt_at: null,
      last_error: null,
      last_success_at: expect.any(String),
    });
    const snapshot = await inject<Snapshot>('GET', `/api/v1/sites/${instagramId}/snapshot`);
    expect(snapshot.version).toBe(version);
    // The job is not rewritten by the site's later success.
    expect((await inject<SyncJob>('GET', `/api/v1/sync-jobs/${jobId}`)).status).toBe('partial');

    const received = await waitFor(
      'three alerts at the channel',
      () => alertsReceived().length >= 3 && alertsReceived(),
      15_000,
    );
    const instagram = { id: instagramId, slug: 'instagram', name: expect.any(String) };
    // Read after loading the demo, which names the organization.
    const { organization: current } = await inject<{
      organization: { id: string; slug: string; name: string };
    }>('GET', '/api/v1/me');
    const organization = { id: current.id, slug: current.slug, name: current.name };
    expect(received.map((alert) => alert.type).sort()).toEqual([
      'site.failing',
      'site.recovered',
      'sync.failed',
    ]);
    const byType = (type: string) => received.find((alert) => alert.type === type)!;
    expect(byType('site.failing')).toEqual({
      type: 'site.failing',
      timestamp: expect.any(String),
      organization,
      site: instagram,
      job: null,
      last_error: 'HTTP 500',
      link: `${TEST_PUBLIC_URL}/sites/${instagramId}`,
    });
    expect(byType('site.recovered')).toMatchObject({ site: instagram, last_error: null });
    expect(byType('sync.failed')).toMatchObject({
      site: null,
      job: { id: jobId, status: 'partial', failed_sites: [{ ...instagram, error: 'HTTP 500' }] },
      link: `${TEST_PUBLIC_URL}/jobs/${jobId}`,
    });
    expect(Date.parse(byType('site.recovered').timestamp)).toBeGreaterThan(
      Date.parse(byType('site.failing').timestamp),
    );
    const recent = await inject<Page<Alert>>('GET', '/api/v1/alerts');
    // Newest first; the job's end and the site's first failure are raised by one transaction.
    expect(recent.items[0]!.type).toBe('site.recovered');
    expect(recent.items.map((alert) => alert.type).sort()).toEqual([
      'site.failing',
      'site.recovered',
      'sync.failed',
    ]);
  });
});
