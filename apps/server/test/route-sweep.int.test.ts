import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from './support/demo.js';
import { rowsOf } from './support/sql.js';
import { TABLE_OF_RESOURCE } from './support/route-tables.js';
import { createSyncJob } from './support/sync-org.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { signUp, type SignedInUser } from './support/users.js';

// Every route of the app (reads and deletes too, not only the write routes bad-input.int.test.ts fuzzes with
// schema-shaped bodies), property-based: arbitrary query strings, path parameters, headers (content types with odd
// charsets, organization ids, bearer tokens) and bodies. Whatever arrives, the answer is below 500, and every
// refusal is problem+json. The routes come from the app's own list, so a new route is swept without editing this.
// Live event streams are left out: a valid request to one never ends (their parameters: query-params.int.test.ts).
// FUZZ_RUNS=<n> raises the number of cases per route for a soak.

const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

let t: TestApp;
let owner: SignedInUser;
let leaver: SignedInUser;
let routes: { method: Method; url: string }[] = [];
const realIds: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Swept Org' });
  leaver = await signUp(t.app, { organization: 'Leaving Org' });
  await loadDemoData(t.app, t.database.db, owner.headers);
  await createSyncJob(t.app, owner);
  for (const [segment, table] of Object.entries(TABLE_OF_RESOURCE)) {
    const [row] = await rowsOf<{ id: string }>(
      t.database.db,
      `SELECT id::text AS id FROM ${table} WHERE organization_id = '${owner.me.organization.id}' LIMIT 1`,
    );
    if (row) realIds[segment] = row.id;
  }
  routes = t.app.routeAccess
    .filter((route) => route.url.startsWith('/api/') && !route.url.endsWith('/events'))
    .map((route) => ({ method: route.method as Method, url: route.url }))
    // Destructive routes last, so the others still meet the real rows.
    .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
});
afterAll(() => t?.close());

const printable = fc.string({
  unit: fc.constantFrom(...'abcXYZ019 -_.~!*()\'";:,/?#[]@$&+=%{}<>|\\^`'.split('')),
  maxLength: 30,
});
/** Text for a query key or value: percent-encoded as a browser would, or raw bytes a client may send anyway. */
const queryText = fc.oneof(
  fc
    .oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 }))
    .map(encodeURIComponent),
  fc.constantFrom(
    '%FF',
    '%',
    '%E0%A4%A',
    '%00',
    '%ED%A0%80',
    '',
    '1e400',
    '-0',
    '[]',
    '%5B%5D',
    'x'.repeat(5000),
  ),
);
const queryKey = fc.oneof(
  fc.constantFrom(
    'limit',
    'cursor',
    'status',
    'q',
    'content_type_id',
    'site_id',
    'content_item_id',
    'after',
    'organization_id',
    '__proto__',
    'constructor',
    'limit[]',
    'a[b]',
  ),
  queryText,
);
const queryString = fc
  .array(fc.tuple(queryKey, fc.option(queryText, { nil: undefined })), { maxLength: 5 })
  .map((pairs) => pairs.map(([key, value]) => (value === undefined ? key : `${key}=${value}`)).join('&'));

const pathId = fc.oneof(
  { weight: 3, arbitrary: fc.constant<string | null>(null) }, // the route's real row
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%FF',
      '%00',
      '..',
      '0',
      'x'.repeat(101),
      '00000000-0000-0000-0000-000000000000',
    ),
  },
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset="UTF-8"',
  'application/json; charset=latin1',
  'application/json; charset=utf-16le',
  'application/json; charset=',
  'application/json; charset="',
  'application/json;;;',
  'application/json; boundary=x; charset=utf8',
  'APPLICATION/JSON',
  'text/plain; charset=iso-8859-1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/octet-stream',
  '*/*',
  ';',
);

const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('{', '{"a":', 'null', '[]', '{"__proto__":{"x":1}}', '\u0000', '["\\ud800"]'),
);

/**
 * Extra headers: mostly a content type only, so most requests reach the handlers as the signed-in owner; sometimes
 * an organization, a bearer token or an accept header as well, which authentication may refuse.
 */
const headers = fc.oneof(
  { weight: 4, arbitrary: fc.record({ 'content-type': contentType }, { requiredKeys: [] }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        'x-organization-id': fc.oneof(fc.uuid(), printable),
        authorization: fc.oneof(
          printable.map((token) => `Bearer ${token}`),
          printable,
        ),
        accept: fc.constantFrom('*/*', 'text/event-stream', 'application/json', 'text/html', ''),
        'content-type': contentType,
      },
      { requiredKeys: [] },
    ),
  },
);

describe('sweeping every route', () => {
  it('reads the app’s routes: reads, writes and deletes', () => {
    const methods = new Set(routes.map((route) => route.method));
    expect([...methods].sort()).toEqual(['DELETE', 'GET', 'PATCH', 'POST', 'PUT']);
    expect(routes.length).toBeGreaterThanOrEqual(40);
  });

  it('answers arbitrary query strings, path parameters, headers and bodies below 500, as problem+json', async () => {
    const statuses = new Map<number, number>();
    for (const route of routes) {
      const resource = route.url.split('/')[3]!;
      await fc.assert(
        fc.asyncProperty(pathId, queryString, headers, body, async (id, query, extra, payload) => {
          const path = route.url.replace(
            /:[a-z_]+/g,
            id ?? realIds[resource] ?? '00000000-0000-4000-8000-000000000000',
          );
          const url = query ? `${path}?${query}` : path;
          const session = route.url.endsWith('/logout') ? leaver : owner;
          const response = await t.app.inject({
            method: route.method,
            url,
            headers: { ...session.headers, ...extra },
            ...(payload === undefined ? {} : { payload }),
          });
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          const label = `${route.method} ${url} ${JSON.stringify(extra)} ${payload?.slice(0, 100)}`;
          expect(response.statusCode, `${label} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(response.headers['content-type'], label).toMatch(/^application\/problem\+json/);
            expect(response.json().status, label).toBe(response.statusCode);
          }
        }),
        { numRuns: RUNS },
      );
    }
    console.log(
      `route sweep: ${routes.length} routes × ${RUNS} cases:`,
      [...statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status}×${n}`)
        .join(' '),
    );
  });
});
