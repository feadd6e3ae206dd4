import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './support/receivers.js';
import { rowsOf } from './support/sql.js';
import { createSyncJob, organizationWithSites } from './support/sync-org.js';
import { TABLE_OF_RESOURCE } from './support/route-tables.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { addMember, signUp, type SignedInUser } from './support/users.js';
import { TENANT_TABLES } from './db/tenant-fixture.js';

// Tenant attacks: organization B, with every credential it can hold (its owner's session, an owner API
// key), aims every route that takes an id, and every body that names one, at organization A's rows. Each attempt
// must be answered 4xx without A's data in the answer, and A's rows must be byte-for-byte unchanged afterwards.
// The route list comes from the app itself, so a new route with an id is attacked without editing this file.

/** What the setup below gives A in each table it reads ids from (three sites, one finished sync, two members…). */
const ROWS_OF_A: Record<string, number> = {
  memberships: 2,
  invitations: 2,
  api_keys: 1,
  content_types: 2,
  content_items: 4,
  sites: 3,
  site_item_mappings: 8,
  sync_jobs: 1,
  deliveries: 3,
  destination_snapshots: 3,
  alert_channels: 1,
  alerts: 1,
  alert_sends: 1,
};

/** Routes that take an id today: the list read from the app must hold at least these. */
const ROUTES_WITH_IDS = [
  'PATCH /api/v1/members/:id',
  'DELETE /api/v1/members/:id',
  'DELETE /api/v1/invitations/:id',
  'DELETE /api/v1/api-keys/:id',
  'GET /api/v1/content-types/:id',
  'PATCH /api/v1/content-types/:id',
  'DELETE /api/v1/content-types/:id',
  'GET /api/v1/content-items/:id',
  'PATCH /api/v1/content-items/:id',
  'DELETE /api/v1/content-items/:id',
  'GET /api/v1/sites/:id',
  'PATCH /api/v1/sites/:id',
  'DELETE /api/v1/sites/:id',
  'POST /api/v1/sites/:id/rotate-secret',
  'GET /api/v1/sites/:id/preview',
  'GET /api/v1/sites/:id/snapshot',
  'POST /api/v1/sites/:id/redeliver',
  'GET /api/v1/sites/:id/deliveries',
  'DELETE /api/v1/mappings/:id',
  'GET /api/v1/sync-jobs/:id',
  'GET /api/v1/sync-jobs/:id/logs',
  'GET /api/v1/sync-jobs/:id/events',
  'POST /api/v1/sync-jobs/:id/retry',
  'GET /api/v1/deliveries/:id/payload',
  'DELETE /api/v1/alert-channels/:id',
  'POST /api/v1/alert-channels/:id/test',
];

let t: TestApp;
let receiver: Receiver;
let ownerA: SignedInUser;
let orgA: string;
let ownerB: SignedInUser;
let keyB: Record<string, string>;
/** Every id of organization A, by the table it lives in. */
const idsOfA: Record<string, string[]> = {};
const idsOfAIn = (text: string) =>
  Object.values(idsOfA)
    .flat()
    .filter((id) => text.includes(id));

async function fingerprintOfA(): Promise<Record<string, string>> {
  const prints: Record<string, string> = {};
  for (const table of [...TENANT_TABLES, 'organizations']) {
    const column = table === 'organizations' ? 'id' : 'organization_id';
    const [row] = await rowsOf<{ print: string | null; n: number }>(
      t.database.db,
      `SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) AS print, count(*)::int AS n
         FROM ${table} x WHERE ${column} = '${orgA}'`,
    );
    prints[table] = `${row!.n}:${row!.print}`;
  }
  return prints;
}

beforeAll(async () => {
  receiver = await startReceiver();
  t = await createTestApp(
    { allowedDestinationOrigins: [receiver.origin] },
    { worker: true, delivery: { quickRetryDelaysMs: [10], timeoutMs: 10_000 } },
  );
  // A: the demo content and sites, a finished sync (jobs, deliveries, logs, snapshots, payloads), a member, an
  // invitation, an API key and an alert channel with its test alert: a row in every tenant table.
  const a = await organizationWithSites(t.app, t.database.db, {
    label: 'Org A',
    count: 3,
    destinationUrl: receiver.url,
  });
  ownerA = a.owner;
  orgA = a.orgId;
  const jobId = await createSyncJob(t.app, ownerA);
  for (let waited = 0; ; waited += 50) {
    const [job] = await rowsOf<{ status: string }>(
      t.database.db,
      `SELECT status FROM sync_jobs WHERE id = '${jobId}'`,
    );
    if (job!.status === 'success') break;
    if (waited > 20_000) throw new Error(`A's sync did not finish: ${job!.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await addMember(t.app, ownerA, 'editor');
  const invited = await t.app.inject({
    method: 'POST',
    url: '/api/v1/invitations',
    headers: ownerA.headers,
    payload: { email: 'someone@example.test', role: 'viewer' },
  });
  expect(invited.statusCode).toBe(201);
  const keyA = await t.app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: ownerA.headers,
    payload: { name: 'A key', role: 'editor' },
  });
  expect(keyA.statusCode).toBe(201);
  const channelA = await t.app.inject({
    method: 'POST',
    url: '/api/v1/alert-channels',
    headers: ownerA.headers,
    payload: { type: 'webhook', url: receiver.url },
  });
  expect(channelA.statusCode).toBe(201);
  const testedA = await t.app.inject({
    method: 'POST',
    url: `/api/v1/alert-channels/${channelA.json().id}/test`,
    headers: ownerA.headers,
  });
  expect(testedA.statusCode).toBe(200);

  for (const table of TENANT_TABLES.filter((name) => !['job_logs', 'audit_log', 'payloads'].includes(name))) {
    const rows = await rowsOf<{ id: string }>(
      t.database.db,
      `SELECT id::text AS id FROM ${table} WHERE organization_id = '${orgA}'`,
    );
    expect(rows.length, `A's rows in ${table}`).toBe(ROWS_OF_A[table]);
    idsOfA[table] = rows.map((row) => row.id);
  }

  ownerB = await signUp(t.app, { organization: 'Org B' });
  const createdKeyB = await t.app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: ownerB.headers,
    payload: { name: 'B key', role: 'owner' },
  });
  expect(createdKeyB.statusCode).toBe(201);
  keyB = { authorization: `Bearer ${createdKeyB.json().key}` };
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

/** Which of A's tables a route's `:id` names, from the route's path. */
function tableOfRoute(url: string): string {
  const resource = url.split('/')[3]!;
  // Deliveries are read-only (their payload route), so only the attacks read them.
  const table = { ...TABLE_OF_RESOURCE, deliveries: 'deliveries' }[resource];
  if (!table) throw new Error(`no table known for ${url}: add it here`);
  return table;
}

/** A body the route would accept, so the request gets past validation to the tenant check. */
function validBody(method: string, url: string): unknown {
  if (method === 'GET' || method === 'DELETE') return undefined;
  if (
    url.endsWith('/retry') ||
    url.endsWith('/rotate-secret') ||
    url.endsWith('/redeliver') ||
    url.endsWith('/test')
  )
    return undefined;
  if (url.startsWith('/api/v1/members')) return { role: 'viewer' };
  if (url.startsWith('/api/v1/content-types')) return { name: 'Taken over' };
  if (url.startsWith('/api/v1/content-items')) return { title: 'Taken over' };
  if (url.startsWith('/api/v1/sites')) return { name: 'Taken over' };
  throw new Error(`no body known for ${method} ${url}: add one here`);
}

interface Attempt {
  label: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  payload?: unknown;
  headers: Record<string, string>;
}

const leaks: string[] = [];
let tried = 0;

async function attack(attempt: Attempt, allowed: number[]): Promise<void> {
  tried += 1;
  const response = await t.app.inject({
    method: attempt.method,
    url: attempt.url,
    headers: attempt.headers,
    ...(attempt.payload === undefined ? {} : { payload: attempt.payload as object }),
  });
  // A's ids the caller sent may be echoed (in a problem's detail); any other id of A in the answer is a leak.
  const sent = attempt.url + JSON.stringify(attempt.payload ?? '');
  const aIdsInBody = idsOfAIn(response.body).filter((id) => !sent.includes(id));
  if (!allowed.includes(response.statusCode) || aIdsInBody.length > 0)
    leaks.push(
      `${attempt.label}: ${attempt.method} ${attempt.url} → ${response.statusCode} ${response.body.slice(0, 200)}`,
    );
  if (response.statusCode >= 400 && response.statusCode !== 404 && response.statusCode < 500) {
    expect(response.headers['content-type'], attempt.url).toMatch(/application\/problem\+json/);
  }
}

describe('organization B against organization A', () => {
  it('gets 404 on every route that takes an id, for every one of A ids, and changes nothing', async () => {
    const before = await fingerprintOfA();
    const credentials = { 'B owner session': ownerB.headers, 'B owner API key': keyB };
    const routes = t.app.routeAccess.filter((route) => route.url.includes('/:'));
    expect(routes.map((route) => `${route.method} ${route.url}`)).toEqual(
      expect.arrayContaining(ROUTES_WITH_IDS),
    );
    for (const route of routes) {
      const table = tableOfRoute(route.url);
      for (const id of idsOfA[table]!) {
        for (const [label, headers] of Object.entries(credentials)) {
          const url = route.url.replace(/:[a-z_]+/, id);
          await attack(
            {
              label,
              method: route.method as Attempt['method'],
              url,
              headers,
              payload: validBody(route.method, route.url),
            },
            [404],
          );
        }
      }
    }
    expect(leaks).toEqual([]);
    expect(await fingerprintOfA()).toEqual(before);
    console.log(`tenant attacks on id routes: ${tried} requests, ${leaks.length} leaks`);
  });

  it("cannot name A's rows in a body: items of A's types, mappings of A's sites and items, syncs of A's sites", async () => {
    const before = await fingerprintOfA();
    const startTried = tried;
    const createdSite = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: ownerB.headers,
      payload: { name: 'B site', slug: 'b-site', destination_url: receiver.url },
    });
    expect(createdSite.statusCode).toBe(201);
    const bSiteId = (createdSite.json() as { id: string }).id;
    const firstItemOfA = idsOfA.content_items![0]!;
    const attempts: Omit<Attempt, 'headers'>[] = [
      ...idsOfA.content_types!.map((typeId) => ({
        label: 'item of A type',
        method: 'POST' as const,
        url: '/api/v1/content-items',
        payload: { content_type_id: typeId, title: 'Planted', data: {} },
      })),
      ...idsOfA.content_items!.map((itemId) => ({
        label: 'B site maps A item',
        method: 'PUT' as const,
        url: '/api/v1/mappings',
        payload: { site_id: bSiteId, content_item_id: itemId, mode: 'full' },
      })),
      ...idsOfA.sites!.flatMap((siteId) => [
        {
          label: 'sync A site',
          method: 'POST' as const,
          url: '/api/v1/sync-jobs',
          payload: { site_ids: [siteId] },
        },
        {
          label: 'A site, A item mapping',
          method: 'PUT' as const,
          url: '/api/v1/mappings',
          payload: { site_id: siteId, content_item_id: firstItemOfA, mode: 'block' },
        },
      ]),
    ];
    for (const headers of [ownerB.headers, keyB]) {
      for (const attempt of attempts) await attack({ ...attempt, headers }, [404, 422]);
    }
    expect(leaks).toEqual([]);
    expect(await fingerprintOfA()).toEqual(before);
    console.log(`tenant attacks in bodies: ${tried - startTried} requests, ${leaks.length} leaks`);
  });

  it("cannot select A with the organization header, with B's session or B's API key", async () => {
    const before = await fingerprintOfA();
    const lists = t.app.routeAccess.filter(
      // Event streams never end by themselves; their tenant checks are in live.int.test.ts.
      (route) =>
        route.method === 'GET' &&
        route.access !== 'public' &&
        !route.url.includes('/:') &&
        route.url.startsWith('/api/v1/') &&
        !route.url.endsWith('/events'),
    );
    for (const route of lists) {
      await attack(
        {
          label: 'B session, A header',
          method: 'GET',
          url: route.url,
          headers: { ...ownerB.headers, 'x-organization-id': orgA },
        },
        [403, 404],
      );
      // An API key belongs to one organization: the header cannot move it to A (B's own data, or a refusal).
      tried += 1;
      const withKey = await t.app.inject({
        method: 'GET',
        url: route.url,
        headers: { ...keyB, 'x-organization-id': orgA },
      });
      const aIds = idsOfAIn(withKey.body);
      if (aIds.length > 0 || withKey.statusCode >= 500)
        leaks.push(`B key, A header: GET ${route.url} → ${withKey.statusCode}`);
    }
    // Lists B may read hold none of A's rows.
    for (const route of lists) {
      tried += 1;
      const own = await t.app.inject({ method: 'GET', url: route.url, headers: ownerB.headers });
      const aIds = idsOfAIn(own.body);
      if (aIds.length > 0) leaks.push(`B lists A rows: GET ${route.url}`);
    }
    expect(leaks).toEqual([]);
    expect(await fingerprintOfA()).toEqual(before);
  });

  it('a random id is answered exactly like one of A (no existence oracle)', async () => {
    const siteOfA = idsOfA.sites![0]!;
    const ofA = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sites/${siteOfA}`,
      headers: ownerB.headers,
    });
    const random = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sites/${randomUUID()}`,
      headers: ownerB.headers,
    });
    expect(ofA.statusCode).toBe(404);
    expect(random.statusCode).toBe(404);
    const strip = (body: string) => body.replace(/[0-9a-f-]{36}/g, '<id>');
    expect(strip(ofA.body)).toBe(strip(random.body));
  });
});
