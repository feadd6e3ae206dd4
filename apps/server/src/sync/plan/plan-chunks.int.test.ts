import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';
import { rowsOf } from '../../../test/support/sql.js';
import { createSyncJob, organizationWithSites } from '../../../test/support/sync-org.js';
import { createTestApp, planningContext, type TestApp } from '../../../test/support/test-app.js';
import type { SignedInUser } from '../../../test/support/users.js';
import { waitFor } from '../../../test/support/wait.js';
import { QUEUES } from '../../queue/job-queue.js';
import { planSyncJob } from './planner.js';

// A plan commits its sites in chunks (planner.ts), here 2 sites per chunk: 7 sites are 4 transactions. What must
// hold: the job covers every site exactly once, it does not end before its last chunk, and a plan that stopped
// between two chunks carries on from the last committed one, planning nothing twice.

const CHUNK = 2;
const SITE_COUNT = 7;

let t: TestApp;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver({ status: 200 });
  t = await createTestApp(
    { allowedDestinationOrigins: [receiver.origin] },
    { worker: true, planChunkSites: CHUNK, delivery: { quickRetryDelaysMs: [], timeoutMs: 10_000 } },
  );
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

async function newOrganization(label: string) {
  return organizationWithSites(t.app, t.database.db, {
    label,
    count: SITE_COUNT,
    destinationUrl: receiver.url,
  });
}

interface JobView {
  status: string;
  sites: { site_id: string; status: string; version: number | null }[];
}

async function jobOf(owner: SignedInUser, jobId: string, app = t.app): Promise<JobView> {
  const response = await app.inject({
    method: 'GET',
    url: `/api/v1/sync-jobs/${jobId}`,
    headers: owner.headers,
  });
  expect(response.statusCode).toBe(200);
  return response.json() as JobView;
}

/** The job, once it has ended. */
const finished = (job: JobView) => ['success', 'partial', 'failed'].includes(job.status) && job;

async function jobLogMessages(jobId: string): Promise<string[]> {
  const rows = await rowsOf<{ message: string }>(
    t.database.db,
    sql`SELECT message FROM job_logs WHERE job_id = ${jobId} ORDER BY id`,
  );
  return rows.map((row) => row.message);
}

/** Requests the receiver got for this job, per site id. */
function requestsPerSite(jobId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of receiver.requests) {
    const body = JSON.parse(request.body) as { data: { job_id: string; site: { id: string } } };
    if (body.data.job_id !== jobId) continue;
    counts.set(body.data.site.id, (counts.get(body.data.site.id) ?? 0) + 1);
  }
  return counts;
}

describe('a plan in chunks', () => {
  it('queues each chunk as it commits and covers every site exactly once', async () => {
    const { owner, orgId, sites } = await newOrganization('Chunked plan');
    const jobId = await createSyncJob(t.app, owner);
    const job = await waitFor(`job ${jobId} to end`, async () => finished(await jobOf(owner, jobId)), 20_000);

    expect(job.status).toBe('success');
    expect(job.sites).toHaveLength(SITE_COUNT);
    expect(job.sites.every((site) => site.status === 'success' && site.version === 1)).toBe(true);
    const perSite = requestsPerSite(jobId);
    expect([...perSite.keys()].sort()).toEqual(sites.map((site) => site.id).sort());
    expect([...perSite.values()].every((count) => count === 1)).toBe(true);

    // One delivery queue job per chunk: ceil(7 / 2) = 4 (a single transaction would have queued one).
    const queued = await rowsOf<{ count: number }>(
      t.database.db,
      sql`SELECT count(*)::int AS count FROM pgboss.job WHERE name = ${QUEUES.deliver} AND data->>'orgId' = ${orgId}`,
    );
    expect(queued[0]!.count).toBe(Math.ceil(SITE_COUNT / CHUNK));
    const [row] = await rowsOf<{ plan_cursor: string; planned: boolean }>(
      t.database.db,
      sql`SELECT plan_cursor, planned_at IS NOT NULL AS planned FROM sync_jobs WHERE id = ${jobId}`,
    );
    expect(row).toEqual({
      plan_cursor: sites
        .map((site) => site.id)
        .sort()
        .at(-1),
      planned: true,
    });

    const messages = await jobLogMessages(jobId);
    expect(messages.filter((message) => message.startsWith('Sync started'))).toEqual([
      `Sync started (manual) for ${SITE_COUNT} site(s).`,
    ]);
    expect(messages.filter((message) => message.includes(' queued ('))).toHaveLength(SITE_COUNT);
    expect(messages.at(-1)).toBe(
      `Sync success: ${SITE_COUNT} delivered, 0 up to date, 0 failed, 0 superseded.`,
    );
  });

  it('does not end the job before its last chunk, and carries on after a chunk failed', async () => {
    const { owner, sites } = await newOrganization('Interrupted plan');
    const byId = sites.map((site) => site.id).sort();
    // The first site of the second chunk cannot get a delivery: that chunk's transaction fails, the first one
    // has committed. A test-only trigger, dropped below; the product code has no fault switch.
    const refused = byId[CHUNK]!;
    await t.database.db.execute(
      sql.raw(`CREATE FUNCTION test_refuse_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.site_id = '${refused}' THEN RAISE EXCEPTION 'test: no delivery for this site yet'; END IF;
          RETURN NEW;
        END $$`),
    );
    await t.database.db.execute(
      sql`CREATE TRIGGER test_refuse_delivery BEFORE INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION test_refuse_delivery()`,
    );
    let jobId: string;
    try {
      jobId = await createSyncJob(t.app, owner);
      // The first chunk's two sites are delivered and recorded; the job is not over: two thirds are unplanned.
      const partway = await waitFor(
        "the first chunk's sites to be delivered",
        async () => {
          const job = await jobOf(owner, jobId);
          return job.sites.filter((site) => site.status === 'success').length === CHUNK && job;
        },
        20_000,
      );
      expect(partway.sites.map((site) => site.site_id).sort()).toEqual(byId.slice(0, CHUNK));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await jobOf(owner, jobId)).status).toBe('running');
    } finally {
      await t.database.db.execute(sql`DROP TRIGGER test_refuse_delivery ON deliveries`);
      await t.database.db.execute(sql`DROP FUNCTION test_refuse_delivery()`);
    }

    // pg-boss hands the plan out again (after its retry delay); it resumes at the second chunk.
    const job = await waitFor(`job ${jobId} to end`, async () => finished(await jobOf(owner, jobId)), 20_000);
    expect(job.status).toBe('success');
    expect(job.sites.map((site) => [site.status, site.version])).toEqual(sites.map(() => ['success', 1]));
    const perSite = requestsPerSite(jobId);
    expect([...perSite.keys()].sort()).toEqual(byId);
    expect([...perSite.values()].every((count) => count === 1)).toBe(true);
    const messages = await jobLogMessages(jobId);
    expect(messages.filter((message) => message.startsWith('Sync started'))).toHaveLength(1);
    expect(messages.filter((message) => message.includes(' queued ('))).toHaveLength(SITE_COUNT);
  });
});

describe('growing chunks', () => {
  // A plan's chunks start small and double up to the largest: here 1, 2, 4 sites for 7 (the first sends leave after
  // one site is planned, not four).
  let ramp: TestApp;
  beforeAll(async () => {
    ramp = await createTestApp(
      { allowedDestinationOrigins: [receiver.origin] },
      {
        worker: true,
        planFirstChunkSites: 1,
        planChunkSites: 4,
        delivery: { quickRetryDelaysMs: [], timeoutMs: 10_000 },
      },
    );
  });
  afterAll(async () => {
    await ramp?.close();
  });

  it('plans 1, then 2, then 4 sites per transaction, each site once', async () => {
    const { owner, orgId } = await organizationWithSites(ramp.app, ramp.database.db, {
      label: 'Growing chunks',
      count: SITE_COUNT,
      destinationUrl: receiver.url,
    });
    const jobId = await createSyncJob(ramp.app, owner);
    await waitFor(`job ${jobId} to end`, async () => finished(await jobOf(owner, jobId, ramp.app)), 20_000);
    // Each chunk queues its own delivery job: their sizes are the chunks' sizes, in order.
    const queued = await rowsOf<{ sites: number }>(
      ramp.database.db,
      sql`SELECT jsonb_array_length(data->'deliveryIds') AS sites FROM pgboss.job
           WHERE name = ${QUEUES.deliver} AND data->>'orgId' = ${orgId} ORDER BY created_on`,
    );
    expect(queued.map((row) => row.sites)).toEqual([1, 2, 4]);
  });
});

describe('a plan and the event loop', () => {
  it('lets the process turn its event loop between chunks', async () => {
    // An embedded PGlite answers within the same turn of the event loop: a plan that never yielded would hold up
    // every request, timer and send of the process until its last chunk (on PostgreSQL the network turns it anyway).
    const { orgId } = await newOrganization('Plan yields');
    const [job] = await rowsOf<{ id: string }>(
      t.database.db,
      sql`INSERT INTO sync_jobs (organization_id, status, trigger, force)
          VALUES (${orgId}, 'queued', 'api', true) RETURNING id`,
    );
    const order: string[] = [];
    const ctx = planningContext(t, () => order.push('chunk'));
    setImmediate(() => order.push('turn'));
    await planSyncJob(ctx, { jobId: job!.id, orgId }, { firstSites: 1, maxSites: 1 });
    expect(order.filter((event) => event === 'chunk')).toHaveLength(SITE_COUNT);
    // The event loop turned before the plan's last chunk, not only after the whole plan.
    expect(order.slice(0, -1)).toContain('turn');
  });
});
