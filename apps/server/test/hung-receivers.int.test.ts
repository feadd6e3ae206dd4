import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver, type Reply } from './support/receivers.js';
import { rowsOf } from './support/sql.js';
import { createSyncJob, organizationWithSites, type SyncOrgSite } from './support/sync-org.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { testDatabaseKind } from './support/test-database.js';
import type { SignedInUser } from './support/users.js';
import { waitFor } from './support/wait.js';

// Hung receivers beside healthy ones, through whole sync jobs with the production delivery settings (15 s per
// attempt, quick retries 0.5/1/2 s): one receiving app serves 80 sites by path and 70 of its paths accept requests
// and never answer; its 10 healthy paths must be delivered within 2 s, in the same sync and in one started while
// the 70 hang. Another origin that hangs entirely must not delay a third. The hung paths answer from their second
// request on: each hung site's delivery fails its job at the timeout, and the site gets its version on its own
// retry (~5 s later), its first and only retry.

const HUNG = 70;
const HEALTHY = 10;
const HUNG_ORIGIN_SITES = 20;
/** The goal: healthy sites delivered within this of their job's creation while others hang. */
const HEALTHY_WITHIN_MS = 2_000;
/** The per-attempt timeout in production, which these tests keep. */
const PRODUCTION_TIMEOUT_MS = 15_000;

let t: TestApp;
let owner: SignedInUser;
let shared: Receiver;
let hungOrigin: Receiver;
let healthyOrigin: Receiver;
const requestsPerPath = new Map<string, number>();
const sites = {
  hung: [] as SyncOrgSite[],
  healthy: [] as SyncOrgSite[],
  hungOrigin: [] as SyncOrgSite[],
  healthyOrigin: [] as SyncOrgSite[],
};
const figures: string[] = [];

/** Paths under /hung accept their first request and never answer it; everything else is answered at once. */
function hangsOnce(origin: string, path: string): Reply {
  if (!path.startsWith('/hung')) return { status: 200 };
  const key = `${origin}${path}`;
  const seen = requestsPerPath.get(key) ?? 0;
  requestsPerPath.set(key, seen + 1);
  return seen === 0 ? { hang: true } : { status: 200 };
}

interface DeliveryRow {
  site_id: string;
  status: string;
  attempts: number;
  error: string | null;
}

const deliveriesOf = (jobId: string) =>
  rowsOf<DeliveryRow>(
    t.database.db,
    `SELECT site_id, status, attempts, error FROM deliveries WHERE job_id = '${jobId}'`,
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a sync of `all` and answers the ms from just before its creation until every site of `watched` is `success`. */
async function syncUntilDelivered(
  all: SyncOrgSite[],
  watched: SyncOrgSite[],
  force: boolean,
): Promise<{ jobId: string; ms: number; firstRequestMs: number }> {
  const ids = new Set(watched.map((site) => site.id));
  const started = performance.now();
  const firstRequestMs = () => {
    const first = Math.min(
      ...[shared, hungOrigin, healthyOrigin].flatMap((receiver) =>
        receiver.requests
          .filter((request) => request.startedAt >= started)
          .map((request) => request.startedAt),
      ),
    );
    return Math.round(first - started);
  };
  const jobId = await createSyncJob(t.app, owner, { site_ids: all.map((site) => site.id), force });
  for (;;) {
    const rows = (await deliveriesOf(jobId)).filter((row) => ids.has(row.site_id));
    const ms = performance.now() - started;
    if (rows.length === ids.size && rows.every((row) => row.status === 'success'))
      return { jobId, ms: Math.round(ms), firstRequestMs: firstRequestMs() };
    if (ms > PRODUCTION_TIMEOUT_MS)
      throw new Error(`healthy sites not delivered after ${Math.round(ms)} ms: ${JSON.stringify(rows)}`);
    await sleep(25);
  }
}

describe('hung receivers never delay the others', () => {
  beforeAll(async () => {
    [shared, hungOrigin, healthyOrigin] = await Promise.all([
      startReceiver((request) => hangsOnce('shared', request.path)),
      startReceiver((request) => hangsOnce('hung', `/hung${request.path}`)),
      startReceiver({ status: 200 }),
    ]);
    t = await createTestApp(
      { allowedDestinationOrigins: [shared.origin, hungOrigin.origin, healthyOrigin.origin] },
      { worker: true },
    );
    const total = HUNG + HEALTHY + HUNG_ORIGIN_SITES + HEALTHY;
    const org = await organizationWithSites(t.app, t.database.db, {
      label: 'Hung receivers',
      count: total,
      destinationUrl: healthyOrigin.url,
    });
    owner = org.owner;
    const urls = [
      ...Array.from({ length: HUNG }, (_, n) => `${shared.origin}/hung/${n}`),
      ...Array.from({ length: HEALTHY }, (_, n) => `${shared.origin}/ok/${n}`),
      ...Array.from({ length: HUNG_ORIGIN_SITES }, (_, n) => `${hungOrigin.origin}/site/${n}`),
      ...Array.from({ length: HEALTHY }, (_, n) => `${healthyOrigin.origin}/site/${n}`),
    ];
    for (const [index, site] of org.sites.entries()) {
      const patched = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/sites/${site.id}`,
        headers: owner.headers,
        payload: { destination_url: urls[index] },
      });
      expect(patched.statusCode, patched.body).toBe(200);
    }
    sites.hung = org.sites.slice(0, HUNG);
    sites.healthy = org.sites.slice(HUNG, HUNG + HEALTHY);
    sites.hungOrigin = org.sites.slice(HUNG + HEALTHY, HUNG + HEALTHY + HUNG_ORIGIN_SITES);
    sites.healthyOrigin = org.sites.slice(HUNG + HEALTHY + HUNG_ORIGIN_SITES);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await Promise.all([shared, hungOrigin, healthyOrigin].map((receiver) => receiver?.close()));
    console.log(
      `[hung receivers] ${testDatabaseKind()}, timeout ${PRODUCTION_TIMEOUT_MS} ms per attempt\n` +
        figures.map((line) => `[hung receivers] ${line}`).join('\n'),
    );
  });

  it(`delivers the ${HEALTHY} healthy sites of an origin within ${HEALTHY_WITHIN_MS} ms while ${HUNG} of its sites hang, and the hung ones once they answer`, async () => {
    // (a) all 80 sites of the origin in one sync
    const first = await syncUntilDelivered([...sites.hung, ...sites.healthy], sites.healthy, false);
    figures.push(
      `same sync: ${HEALTHY} healthy of ${HUNG + HEALTHY} delivered in ${first.ms} ms (first request after ${first.firstRequestMs} ms)`,
    );
    expect(first.ms).toBeLessThan(HEALTHY_WITHIN_MS);
    const hungIds = new Set(sites.hung.map((site) => site.id));
    await waitFor('every hung path holding a request', () => shared.inFlight === HUNG, 10_000);

    // (b) a new sync of the healthy sites while the 70 still hang
    const second = await syncUntilDelivered(sites.healthy, sites.healthy, true);
    figures.push(
      `later sync while ${HUNG} hang: ${HEALTHY} healthy delivered in ${second.ms} ms (first request after ${second.firstRequestMs} ms)`,
    );
    expect(second.ms).toBeLessThan(HEALTHY_WITHIN_MS);

    // (c) an origin that hangs entirely beside one that answers, in one sync
    const third = await syncUntilDelivered(
      [...sites.hungOrigin, ...sites.healthyOrigin],
      sites.healthyOrigin,
      false,
    );
    figures.push(
      `two origins, ${HUNG_ORIGIN_SITES} hung + ${HEALTHY} healthy: healthy delivered in ${third.ms} ms (first request after ${third.firstRequestMs} ms)`,
    );
    expect(third.ms).toBeLessThan(HEALTHY_WITHIN_MS);
    expect(hungOrigin.inFlight).toBe(HUNG_ORIGIN_SITES);

    // Each hung site's attempt timed out once (no quick retry after a timeout) and failed its job; the site took
    // over with an own send of the same webhook, whose first retry was answered.
    const hungOriginIds = new Set(sites.hungOrigin.map((site) => site.id));
    const hungSiteIds = [...hungIds, ...hungOriginIds];
    const ownSends = () =>
      rowsOf<DeliveryRow>(
        t.database.db,
        `SELECT site_id, status, attempts, error FROM deliveries
          WHERE job_id IS NULL AND site_id IN (${hungSiteIds.map((id) => `'${id}'`).join(', ')})`,
      );
    const waitFrom = performance.now();
    await waitFor(
      'every hung site delivered on its own retry',
      async () => {
        const rows = await ownSends();
        return rows.length === hungSiteIds.length && rows.every((row) => row.status === 'success');
      },
      PRODUCTION_TIMEOUT_MS + 15_000,
    );
    figures.push(
      `${HUNG + HUNG_ORIGIN_SITES} hung sites delivered on their own retry ${Math.round(performance.now() - waitFrom)} ms later`,
    );
    const jobRows = [
      ...(await deliveriesOf(first.jobId)).filter((row) => hungIds.has(row.site_id)),
      ...(await deliveriesOf(third.jobId)).filter((row) => hungOriginIds.has(row.site_id)),
    ];
    expect(jobRows).toHaveLength(hungSiteIds.length);
    for (const row of jobRows) expect(row).toMatchObject({ status: 'failed', attempts: 1, error: 'timeout' });
    const delivered = await ownSends();
    expect(new Set(delivered.map((row) => row.site_id)).size).toBe(hungSiteIds.length);
    for (const row of delivered) expect(row).toMatchObject({ status: 'success', attempts: 1, error: null });
    const hungRequests = [
      ...shared.requests.filter((request) => request.path.startsWith('/hung')),
      ...hungOrigin.requests,
    ];
    expect(hungRequests).toHaveLength(2 * (HUNG + HUNG_ORIGIN_SITES));
    // The first request of each was closed by DataSync at its timeout; none is left open.
    for (const request of hungRequests) expect(request.endedAt).not.toBeNull();
    const held = hungRequests.map((request) => request.endedAt! - request.startedAt);
    expect(Math.max(...held)).toBeLessThan(PRODUCTION_TIMEOUT_MS + 1_500);
  }, 120_000);
});
