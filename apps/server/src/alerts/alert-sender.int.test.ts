import type { AlertBody } from '@datasync/contracts';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type ReceivedRequest, type Receiver } from '../../test/support/receivers.js';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from '../../test/support/test-app.js';
import { signUp, type SignedInUser } from '../../test/support/users.js';
import { waitFor } from '../../test/support/wait.js';
import { withTenant } from '../db/tenant.js';
import { raiseAlerts, type AlertEvent } from './alert-events.js';

// raiseAlerts in a tenant transaction, then the alert sender that the engine runs beside a sync worker, against
// real receivers. The retry schedule is the test's own, through the worker's seam: 0.2 s, then give up after the
// third attempt (pg-boss starts a delayed job one second later at the soonest).

const SITE_DESTINATION = 'http://127.0.0.1:3001/hook';

let t: TestApp;
let receiver: Receiver;
let flaky: Receiver;
let down: Receiver;

beforeAll(async () => {
  receiver = await startReceiver({ status: 204 });
  flaky = await startReceiver([{ status: 500 }, { status: 200 }]);
  down = await startReceiver({ status: 503 });
  t = await createTestApp(
    { allowedDestinationOrigins: [receiver.origin, flaky.origin, down.origin, 'http://127.0.0.1:3001'] },
    {
      worker: true,
      alerts: {
        pollingIntervalSeconds: 0.5,
        quickRetryDelaysMs: [],
        retryDelay: (attempt) => (attempt < 3 ? 200 : null),
      },
    },
  );
});
afterAll(async () => {
  await t?.close();
  await Promise.all([receiver?.close(), flaky?.close(), down?.close()]);
});

interface Org {
  owner: SignedInUser;
  orgId: string;
  secret: string | null;
}

async function organization(label: string, channelUrl: string | null): Promise<Org> {
  const owner = await signUp(t.app, { organization: label });
  let secret: string | null = null;
  if (channelUrl) {
    const channel = await t.app.inject({
      method: 'POST',
      url: '/api/v1/alert-channels',
      headers: owner.headers,
      payload: { type: 'webhook', url: channelUrl },
    });
    expect(channel.statusCode, channel.body).toBe(201);
    secret = channel.json().signing_secret;
  }
  return { owner, orgId: owner.me.organization.id, secret };
}

async function site(org: Org, slug: string): Promise<{ id: string; slug: string; name: string }> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/sites',
    headers: org.owner.headers,
    payload: { name: `${slug} site`, slug, destination_url: SITE_DESTINATION },
  });
  expect(created.statusCode, created.body).toBe(201);
  const { id, name } = created.json();
  return { id, slug, name };
}

function raise(org: Org, events: AlertEvent[]): Promise<void> {
  return withTenant(t.database.db, { orgId: org.orgId }, (tx) => raiseAlerts(tx, t.deps.queue.boss, events));
}

function verified(org: Org, request: ReceivedRequest): AlertBody {
  return new Webhook(org.secret!).verify(
    request.body,
    request.headers as Record<string, string>,
  ) as AlertBody;
}

function requestsOf(target: Receiver, org: Org): ReceivedRequest[] {
  return target.requests.filter((request) => JSON.parse(request.body).organization.id === org.orgId);
}

async function sendsOf(org: Org) {
  return rowsOf<{ status: string; attempts: number; response_code: number | null; error: string | null }>(
    t.database.db,
    `SELECT status, attempts, response_code, error FROM alert_sends
      WHERE organization_id = '${org.orgId}' ORDER BY created_at, id`,
  );
}

const sentCount = async (labels: { type: string; outcome: string }) =>
  (await t.deps.metrics.alertsSent.get()).values.find(
    (value) =>
      value.labels.type === labels.type &&
      value.labels.channel === 'webhook' &&
      value.labels.outcome === labels.outcome,
  )?.value ?? 0;

describe('site health alerts to a webhook channel', () => {
  it('sends site.failing, then site.recovered, in order, signed, with their bodies', async () => {
    const org = await organization('Failing Org', receiver.url);
    const instagram = await site(org, 'instagram');
    await raise(org, [
      { type: 'site.failing', organizationId: org.orgId, siteId: instagram.id, lastError: 'HTTP 500' },
    ]);
    await raise(org, [
      { type: 'site.recovered', organizationId: org.orgId, siteId: instagram.id, lastError: null },
    ]);

    const [failing, recovered] = await waitFor(
      'both alerts at the receiver',
      () => requestsOf(receiver, org).length === 2 && requestsOf(receiver, org),
      15_000,
    );
    const common = {
      organization: { id: org.orgId, slug: org.owner.me.organization.slug, name: 'Failing Org' },
      site: instagram,
      job: null,
      link: `${TEST_PUBLIC_URL}/sites/${instagram.id}`,
    };
    expect(verified(org, failing!)).toEqual({
      type: 'site.failing',
      timestamp: expect.any(String),
      ...common,
      last_error: 'HTTP 500',
    });
    expect(verified(org, recovered!)).toEqual({
      type: 'site.recovered',
      timestamp: expect.any(String),
      ...common,
      last_error: null,
    });
    await waitFor(
      'both sends recorded',
      async () => (await sendsOf(org)).every((s) => s.status === 'success'),
      5_000,
    );
    expect(await sendsOf(org)).toEqual([
      { status: 'success', attempts: 1, response_code: 204, error: null },
      { status: 'success', attempts: 1, response_code: 204, error: null },
    ]);

    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/alerts', headers: org.owner.headers });
    expect(listed.json().items.map((alert: { type: string }) => alert.type)).toEqual([
      'site.recovered',
      'site.failing',
    ]);
    expect(listed.json().items[1].body).toEqual(verified(org, failing!));
  });

  it('sends an alert again on the durable schedule after a refusal, with the same webhook-id', async () => {
    const org = await organization('Flaky Org', flaky.url);
    const google = await site(org, 'google');
    const retriesBefore = await sentCount({ type: 'site.disabled', outcome: 'retry' });
    await raise(org, [
      { type: 'site.disabled', organizationId: org.orgId, siteId: google.id, lastError: 'HTTP 410' },
    ]);

    await waitFor('the send to succeed', async () => (await sendsOf(org))[0]?.status === 'success', 15_000);
    expect(await sendsOf(org)).toEqual([{ status: 'success', attempts: 2, response_code: 200, error: null }]);
    const [first, second] = requestsOf(flaky, org);
    expect(requestsOf(flaky, org)).toHaveLength(2);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(verified(org, second!)).toEqual(verified(org, first!));
    expect(verified(org, second!)).toMatchObject({ type: 'site.disabled', last_error: 'HTTP 410' });
    expect(await sentCount({ type: 'site.disabled', outcome: 'retry' })).toBe(retriesBefore + 1);
  });

  it('gives a send up once the schedule is over', async () => {
    const org = await organization('Down Org', down.url);
    const facebook = await site(org, 'facebook');
    await raise(org, [
      { type: 'site.failing', organizationId: org.orgId, siteId: facebook.id, lastError: 'timeout' },
    ]);
    await waitFor('the send to fail', async () => (await sendsOf(org))[0]?.status === 'failed', 20_000);
    expect(await sendsOf(org)).toEqual([
      { status: 'failed', attempts: 3, response_code: 503, error: 'HTTP 503' },
    ]);
    expect(requestsOf(down, org)).toHaveLength(3);
  });
});

describe('sync.failed alerts', () => {
  it("names the job's failed sites and its last error, and links to the job", async () => {
    const org = await organization('Sync Org', receiver.url);
    const [alpha, beta, gamma] = [
      await site(org, 'alpha'),
      await site(org, 'beta'),
      await site(org, 'gamma'),
    ];
    const jobId = '00000000-0000-4000-8000-0000000a1e57';
    await t.database.exec(`
      INSERT INTO sync_jobs (id, organization_id, trigger, status) VALUES ('${jobId}', '${org.orgId}', 'manual', 'partial');
      INSERT INTO deliveries (organization_id, job_id, site_id, webhook_id, status, error, completed_at) VALUES
        ('${org.orgId}', '${jobId}', '${beta.id}', 'msg_b', 'failed', 'HTTP 502', now() - interval '1 minute'),
        ('${org.orgId}', '${jobId}', '${alpha.id}', 'msg_a', 'failed', 'ECONNREFUSED', now()),
        ('${org.orgId}', '${jobId}', '${gamma.id}', 'msg_c', 'success', NULL, now());`);
    await raise(org, [{ type: 'sync.failed', organizationId: org.orgId, jobId, status: 'partial' }]);

    const [received] = await waitFor(
      'the alert at the receiver',
      () => requestsOf(receiver, org).length === 1 && requestsOf(receiver, org),
      15_000,
    );
    expect(verified(org, received!)).toEqual({
      type: 'sync.failed',
      timestamp: expect.any(String),
      organization: { id: org.orgId, slug: org.owner.me.organization.slug, name: 'Sync Org' },
      site: null,
      job: {
        id: jobId,
        status: 'partial',
        failed_sites: [
          { ...alpha, error: 'ECONNREFUSED' },
          { ...beta, error: 'HTTP 502' },
        ],
      },
      last_error: 'ECONNREFUSED',
      link: `${TEST_PUBLIC_URL}/jobs/${jobId}`,
    });
  });
});

describe('an organization without channels', () => {
  it('records its alerts for the list and queues nothing', async () => {
    const org = await organization('Quiet Org', null);
    const sites = await Promise.all(['one', 'two', 'three'].map((slug) => site(org, slug)));
    await raise(
      org,
      sites.map((s) => ({
        type: 'site.failing',
        organizationId: org.orgId,
        siteId: s.id,
        lastError: 'HTTP 500',
      })),
    );
    const [counts] = await rowsOf<{ alerts: number; sends: number; jobs: number }>(
      t.database.db,
      `SELECT (SELECT count(*)::int FROM alerts WHERE organization_id = '${org.orgId}') AS alerts,
              (SELECT count(*)::int FROM alert_sends WHERE organization_id = '${org.orgId}') AS sends,
              (SELECT count(*)::int FROM pgboss.job WHERE name = 'alert-send' AND data->>'orgId' = '${org.orgId}') AS jobs`,
    );
    expect(counts).toEqual({ alerts: 3, sends: 0, jobs: 0 });
    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/alerts', headers: org.owner.headers });
    expect(listed.json().items.map((alert: { sends: unknown[] }) => alert.sends)).toEqual([[], [], []]);
  });

  it('raises a thousand alerts for two channels at once, each send with its queue job', async () => {
    const org = await organization('Outage Org', receiver.url);
    const second = await t.app.inject({
      method: 'POST',
      url: '/api/v1/alert-channels',
      headers: org.owner.headers,
      payload: { type: 'webhook', url: receiver.url },
    });
    expect(second.statusCode).toBe(201);
    const big = await site(org, 'big');
    const events: AlertEvent[] = Array.from({ length: 1000 }, () => ({
      type: 'site.failing',
      organizationId: org.orgId,
      siteId: big.id,
      lastError: 'HTTP 500',
    }));
    // Counted inside the transaction, which then rolls back: nothing is sent.
    const rollback = new Error('rollback');
    let counts: unknown;
    await withTenant(t.database.db, { orgId: org.orgId }, async (tx) => {
      await raiseAlerts(tx, t.deps.queue.boss, events);
      [counts] = await rowsOf(
        tx,
        `SELECT (SELECT count(*)::int FROM alerts) AS alerts,
                (SELECT count(DISTINCT alert_id)::int FROM alert_sends) AS alerts_sent,
                (SELECT count(*)::int FROM alert_sends) AS sends,
                (SELECT count(*)::int FROM pgboss.job WHERE name = 'alert-send' AND data->>'orgId' = '${org.orgId}') AS jobs`,
      );
      throw rollback;
    }).catch((error) => {
      if (error !== rollback) throw error;
    });
    expect(counts).toEqual({ alerts: 1000, alerts_sent: 1000, sends: 2000, jobs: 2000 });
  });
});
