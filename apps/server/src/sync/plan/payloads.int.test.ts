import type { SyncJob } from '@datasync/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';
import { rowsOf } from '../../../test/support/sql.js';
import { createSyncJob, organizationWithSites } from '../../../test/support/sync-org.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import type { SignedInUser } from '../../../test/support/users.js';

// Content-addressed payloads (migration 0004): sites that get the same items share one stored items array, and
// what each site receives, and what its snapshot says it received, is still its own complete body.

let t: TestApp;
let receiver: Receiver;
let owner: SignedInUser;
let orgId: string;
let siteIds: string[];

beforeAll(async () => {
  receiver = await startReceiver();
  t = await createTestApp(
    { allowedDestinationOrigins: [receiver.origin] },
    { worker: true, delivery: { quickRetryDelaysMs: [10], timeoutMs: 10_000 } },
  );
  // The demo's three sites (three different payloads) and three more that all get the demo's item A as-is.
  const org = await organizationWithSites(t.app, t.database.db, {
    label: 'Payload Org',
    count: 6,
    destinationUrl: receiver.url,
  });
  owner = org.owner;
  orgId = org.orgId;
  siteIds = org.sites.map((site) => site.id);
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

async function syncAndWait(payload: Record<string, unknown> = {}): Promise<SyncJob> {
  const id = await createSyncJob(t.app, owner, payload);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const job = (
      await t.app.inject({ method: 'GET', url: `/api/v1/sync-jobs/${id}`, headers: owner.headers })
    ).json() as SyncJob;
    if (['success', 'partial', 'failed'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const payloadCount = async () =>
  (
    await rowsOf<{ n: number }>(
      t.database.db,
      `SELECT count(*)::int AS n FROM payloads WHERE organization_id = '${orgId}'`,
    )
  )[0]!.n;

/** The last body each site received, parsed. */
function lastBodies(): Map<string, { data: { site: { id: string }; version: number; items: unknown[] } }> {
  const bodies = new Map<string, { data: { site: { id: string }; version: number; items: unknown[] } }>();
  for (const request of receiver.requests) {
    const body = JSON.parse(request.body) as {
      data: { site: { id: string }; version: number; items: unknown[] };
    };
    bodies.set(body.data.site.id, body);
  }
  return bodies;
}

describe('content-addressed payloads', () => {
  it('stores each distinct items array once, and keeps only an envelope per delivery', async () => {
    const job = await syncAndWait();
    expect(job.status).toBe('success');
    const rows = await rowsOf<{ body: string | null; envelope: string | null; payload_hash: string }>(
      t.database.db,
      `SELECT body, envelope, payload_hash FROM deliveries WHERE job_id = '${job.id}'`,
    );
    expect(rows).toHaveLength(6);
    // Facebook, Google and Instagram differ; the three extra sites share item A.
    expect(new Set(rows.map((row) => row.payload_hash)).size).toBe(4);
    expect(await payloadCount()).toBe(4);
    for (const row of rows) {
      expect(row.body).toBeNull();
      expect(JSON.parse(row.envelope!)).toMatchObject({ type: 'content.synced', data: { job_id: job.id } });
    }
  });

  it('sends every site its complete body, and the snapshot is exactly what the site received', async () => {
    const bodies = lastBodies();
    expect([...bodies.keys()].sort()).toEqual([...siteIds].sort());
    for (const siteId of siteIds) {
      const snapshot = await t.app.inject({
        method: 'GET',
        url: `/api/v1/sites/${siteId}/snapshot`,
        headers: owner.headers,
      });
      expect(snapshot.statusCode).toBe(200);
      expect(snapshot.json().payload).toEqual(bodies.get(siteId));
      expect(snapshot.json().version).toBe(bodies.get(siteId)!.data.version);
    }
    const extraSites = siteIds.slice(3).map((id) => bodies.get(id)!.data.items);
    expect(extraSites[1]).toEqual(extraSites[0]);
    expect(extraSites[0]).toHaveLength(1);
  });

  it("answers each delivery's own body, even after the site accepted a newer one; none for an up-to-date one", async () => {
    const first = (
      await t.app.inject({ method: 'GET', url: '/api/v1/sync-jobs?limit=1', headers: owner.headers })
    ).json().items[0] as { id: string };
    const job = (
      await t.app.inject({ method: 'GET', url: `/api/v1/sync-jobs/${first.id}`, headers: owner.headers })
    ).json() as SyncJob;
    const newer = await syncAndWait({ force: true }); // every site accepts a newer version
    expect(newer.status).toBe('success');
    for (const site of job.sites) {
      const answer = await t.app.inject({
        method: 'GET',
        url: `/api/v1/deliveries/${site.delivery_id}/payload`,
        headers: owner.headers,
      });
      expect(answer.statusCode).toBe(200);
      const sent = receiver.requests
        .map((request) => request.body)
        .find((body) => {
          const parsed = JSON.parse(body) as { data: { site: { id: string }; version: number } };
          return parsed.data.site.id === site.site_id && parsed.data.version === site.version;
        });
      expect(answer.json()).toMatchObject({ delivery_id: site.delivery_id, version: site.version });
      expect(answer.json().payload).toEqual(JSON.parse(sent!));
    }
    const unchanged = await syncAndWait();
    expect(unchanged.sites.every((site) => site.status === 'up_to_date')).toBe(true);
    const none = await t.app.inject({
      method: 'GET',
      url: `/api/v1/deliveries/${unchanged.sites[0]!.delivery_id}/payload`,
      headers: owner.headers,
    });
    expect(none.statusCode).toBe(404);
    expect(none.headers['content-type']).toMatch(/problem\+json/);
  });

  it('stores nothing new when a forced sync sends the same items again', async () => {
    const before = receiver.requests.length;
    const job = await syncAndWait({ force: true });
    expect(job.status).toBe('success');
    expect(receiver.requests.length - before).toBe(6);
    expect(await payloadCount()).toBe(4);
  });
});
