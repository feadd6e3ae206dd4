import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from './support/demo.js';
import { rowsOf } from './support/sql.js';
import { TABLE_OF_RESOURCE } from './support/route-tables.js';
import { createSyncJob } from './support/sync-org.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { addMember, signUp, type SignedInUser } from './support/users.js';

// Bad input: property-based fuzzing (fast-check) of every write route of the API, plus explicit cases
// (bodies over 1 MiB, JSON nested 10,000 deep, invalid UTF-8, prototype-polluting keys, undecodable paths).
// Whatever arrives, the answer is below 500; every refusal is problem+json (docs/api-errors.md), and a validation
// or unprocessable refusal names the failing fields with JSON Pointers. The routes come from the app's own route
// list, their body schemas from its OpenAPI document, so a new write route is fuzzed without editing this file.
// FUZZ_RUNS=<n> raises the number of cases per route for a soak (default 30).

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
type WriteMethod = (typeof WRITE_METHODS)[number];

/** The write routes that exist today: the list read from the app must hold at least these. */
const KNOWN_WRITE_ROUTES = [
  'POST /api/v1/auth/signup',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'PATCH /api/v1/organization',
  'PATCH /api/v1/members/:id',
  'DELETE /api/v1/members/:id',
  'POST /api/v1/invitations',
  'DELETE /api/v1/invitations/:id',
  'POST /api/v1/invitations/accept',
  'POST /api/v1/api-keys',
  'DELETE /api/v1/api-keys/:id',
  'POST /api/v1/content-types',
  'PATCH /api/v1/content-types/:id',
  'DELETE /api/v1/content-types/:id',
  'POST /api/v1/content-items',
  'PATCH /api/v1/content-items/:id',
  'DELETE /api/v1/content-items/:id',
  'POST /api/v1/sites',
  'PATCH /api/v1/sites/:id',
  'DELETE /api/v1/sites/:id',
  'POST /api/v1/sites/:id/rotate-secret',
  'POST /api/v1/sites/:id/redeliver',
  'PUT /api/v1/mappings',
  'DELETE /api/v1/mappings/:id',
  'POST /api/v1/sync-jobs',
  'POST /api/v1/sync-jobs/:id/retry',
  'POST /api/v1/demo',
  'POST /api/v1/alert-channels',
  'DELETE /api/v1/alert-channels/:id',
  'POST /api/v1/alert-channels/:id/test',
];

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

interface WriteRoute {
  method: WriteMethod;
  url: string;
  bodySchema?: JsonSchema;
}

let t: TestApp;
let owner: SignedInUser;
/** Signs out in the fuzzing of POST /auth/logout, so the owner's session stays valid for every other route. */
let leaver: SignedInUser;
let routes: WriteRoute[] = [];
/** An id of a real row of the owner's organization, by the resource named in a route's path. */
const realIds: Record<string, string> = {};
let itemData: Record<string, unknown>;

/**
 * A new organization with a row behind every id route: the demo, a member, an invitation, an API key, an alert
 * channel, a job.
 */
async function seededOrganization(
  label: string,
): Promise<{ owner: SignedInUser; ids: Record<string, string> }> {
  const seeded = await signUp(t.app, { organization: label });
  const orgId = seeded.me.organization.id;
  const demo = await loadDemoData(t.app, t.database.db, seeded.headers);
  await addMember(t.app, seeded, 'editor');
  for (const [path, payload] of [
    ['/api/v1/invitations', { email: 'invitee@example.test', role: 'viewer' }],
    ['/api/v1/api-keys', { name: 'Fuzz key', role: 'editor' }],
    ['/api/v1/alert-channels', { type: 'webhook', url: `${ALLOWED_ORIGIN}/alerts` }],
  ] as const) {
    const created = await t.app.inject({ method: 'POST', url: path, headers: seeded.headers, payload });
    expect(created.statusCode, created.body).toBe(201);
  }
  await createSyncJob(t.app, seeded);
  const ids: Record<string, string> = {};
  for (const [segment, table] of Object.entries(TABLE_OF_RESOURCE)) {
    // A member the fuzzing may change or remove: not the owner, or the organization would keep refusing (409).
    const notOwner = table === 'memberships' ? `AND role <> 'owner'` : '';
    const [row] = await rowsOf<{ id: string }>(
      t.database.db,
      `SELECT id::text AS id FROM ${table} WHERE organization_id = '${orgId}' ${notOwner} LIMIT 1`,
    );
    expect(row, `a row in ${table}`).toBeDefined();
    ids[segment] = row!.id;
  }
  const item = await t.app.inject({
    method: 'GET',
    url: `/api/v1/content-items/${demo.itemIds.A}`,
    headers: seeded.headers,
  });
  itemData = item.json().data;
  return { owner: seeded, ids };
}

beforeAll(async () => {
  // One destination origin is allowed, so some generated sites are created (no DNS lookup, nothing listens).
  t = await createTestApp({ allowedDestinationOrigins: [ALLOWED_ORIGIN] });
  leaver = await signUp(t.app, { organization: 'Leaver Org' });
  const fuzzed = await seededOrganization('Fuzzed Org');
  owner = fuzzed.owner;
  Object.assign(realIds, fuzzed.ids);

  const openApi = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content?: Record<string, { schema: JsonSchema }> } }>
    >;
  };
  routes = t.app.routeAccess
    .filter(
      (route) =>
        (WRITE_METHODS as readonly string[]).includes(route.method) && route.url.startsWith('/api/v1/'),
    )
    .map((route) => {
      const operation = openApi.paths[route.url.replace(/:([a-z_]+)/g, '{$1}')]?.[route.method.toLowerCase()];
      return {
        method: route.method as WriteMethod,
        url: route.url,
        bodySchema: operation?.requestBody?.content?.['application/json']?.schema,
      };
    })
    // Destructive routes last, so the others still meet the real rows.
    .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
});

afterAll(() => t?.close());

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries

/** Destination URLs that exercise the SSRF guard without a DNS lookup (a random host name could take seconds). */
const ALLOWED_ORIGIN = 'http://127.0.0.1:9';
const URLS = [
  `${ALLOWED_ORIGIN}/hook`,
  'https://203.0.113.7/hook',
  'http://127.0.0.1:9/hook',
  'http://[::1]/x',
  'https://localhost/x',
  'ftp://198.51.100.1/x',
  'http://user:pass@192.0.2.1/',
  'javascript:alert(1)',
  'http://10.0.0.1/',
];

/** Strings PostgreSQL cannot store, text that looks like code, and odd but valid Unicode. */
const nastyString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'nul \u0000 inside',
    '\u0000',
    'lone \ud800 high',
    'lone \udfff low',
    '\udc00\ud800',
    '😀 paired',
    "'; DROP TABLE sites; --",
    '../../etc/passwd',
    '%00',
    '\u202e\u200b\ufeff',
    '__proto__',
    'constructor',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\udc00', 'a', '€'), maxLength: 10 }),
  fc.integer({ min: 1_000, max: 100_000 }).map((length) => 'x'.repeat(length)),
);

const hugeNumber = fc.constantFrom(
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 63,
  5e-324,
  0.1,
  -0,
);

/** A value nested `depth` levels deep, built without recursion. */
function nested(depth: number, asArray: boolean, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = asArray ? [value] : { a: value };
  return value;
}
const deepValue = fc
  .tuple(fc.integer({ min: 20, max: 3_000 }), fc.boolean(), fc.jsonValue({ maxDepth: 1 }))
  .map(([depth, asArray, leaf]) => nested(depth, asArray, leaf));

/** An object holding a prototype-polluting key as its own property (JSON.parse defines, never assigns). */
const protoObject = fc
  .tuple(
    fc.constantFrom('__proto__', 'constructor', 'prototype'),
    fc.oneof(fc.constant({ polluted: true }), fc.constant({ prototype: { polluted: true } }), fc.jsonValue()),
  )
  .map(([key, value]) => JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)}}`) as object);

/** Anything a field could hold that it should not. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  nastyString,
  hugeNumber,
  deepValue,
  protoObject,
  fc.uuid(),
);

/** A value the field's schema would likely accept (ids are real rows or random UUIDs). */
function plausible(schema: JsonSchema, field: string): fc.Arbitrary<unknown> {
  if (field === 'data' || field === 'overrides')
    return fc.oneof(
      fc.constant(itemData),
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
      protoObject,
    );
  if (field === 'schema')
    return fc.oneof(
      fc.constant({ type: 'object', properties: { headline: { type: 'string' } } }),
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
    );
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((option) => plausible(option, field)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      if (schema.format === 'uuid') return fc.oneof(fc.constantFrom(...Object.values(realIds)), fc.uuid());
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'uri') return fc.constantFrom(...URLS);
      if (schema.pattern && field === 'slug') return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -10, max: schema.maximum ?? 1_000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(plausible(schema.items ?? {}, field), { maxLength: 4 });
    case 'object':
      return schema.properties
        ? objectFor(schema)
        : fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }));
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Objects with the schema's field names: each present or not, each plausible or wrong, sometimes extra keys. */
function objectFor(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.entries(schema.properties ?? {}).map(([name, fieldSchema]) =>
    fc.tuple(
      fc.constant(name),
      fc.oneof(
        { weight: 4, arbitrary: plausible(fieldSchema, name) },
        { weight: 1, arbitrary: wrongValue },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
    ),
  );
  return fc
    .tuple(
      fc.tuple(...fields),
      fc.option(fc.dictionary(fc.oneof(fc.string(), nastyString), wrongValue, { maxKeys: 2 }), { freq: 4 }),
    )
    .map(([entries, extra]) => {
      const body: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(extra ?? {})) Object.defineProperty(body, key, own(value));
      for (const [name, value] of entries)
        if (value !== undefined) Object.defineProperty(body, name, own(value));
      return body;
    });
}
const own = (value: unknown): PropertyDescriptor => ({
  value,
  enumerable: true,
  writable: true,
  configurable: true,
});

/** How the body goes on the wire; only `json` is valid JSON text in valid UTF-8. */
type Encoding = 'json' | 'invalid-utf8' | 'truncated' | 'text/plain' | 'application/xml';
const encoding = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Encoding>('json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Encoding>('invalid-utf8', 'truncated', 'text/plain', 'application/xml'),
  },
);
const INVALID_UTF8 = [
  [0xff],
  [0xc0, 0xaf], // overlong "/"
  [0xed, 0xa0, 0x80], // an encoded surrogate
  [0xe2, 0x82], // truncated sequence
  [0xf8, 0x88, 0x80, 0x80, 0x80],
].map((bytes) => Buffer.from(bytes));

/** A path segment: a real id, a UUID of nothing, or anything else, percent-encoded byte by byte (or raw). */
const pathId = fc.oneof(
  { weight: 3, arbitrary: fc.constant<string | null>(null) }, // the route's real row
  { weight: 3, arbitrary: fc.uuid() },
  {
    weight: 2,
    arbitrary: fc
      .string({ unit: 'binary', maxLength: 60 })
      .map((text) =>
        [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''),
      ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%FF',
      '%ED%A0%80',
      '%00',
      '%',
      '..',
      'null',
      '0',
      '-1',
      'x'.repeat(101),
      '00000000-0000-0000-0000-000000000000',
      'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
      '%7B%7D',
    ),
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Checks

type Injected = Awaited<ReturnType<TestApp['app']['inject']>>;
interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { in: string; pointer: string; message: string }[];
}

const POINTER = /^(\/([^~/]|~[01])*)*$/;
const firstSegment = (pointer: string) => pointer.split('/')[1]?.replace(/~1/g, '/').replace(/~0/g, '~');

/** Asserts what docs/api-errors.md promises for any answer; returns the problem when it is a refusal. */
function expectDocumentedAnswer(response: Injected, label: string): Problem | undefined {
  expect(response.statusCode, `${label}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  if (response.statusCode < 400) return undefined;
  expect(response.headers['content-type'], label).toMatch(/^application\/problem\+json/);
  const problem = response.json() as Problem;
  expect(problem.type, label).toMatch(/^urn:datasync:problem:[a-z-]+$/);
  expect(problem.status, label).toBe(response.statusCode);
  expect(typeof problem.title, label).toBe('string');
  expect(typeof problem.detail, label).toBe('string');
  const typeName = problem.type.slice('urn:datasync:problem:'.length);
  if (typeName === 'validation-error' || typeName === 'unprocessable') {
    expect(problem.errors?.length, `${label}: a ${typeName} names its fields`).toBeGreaterThan(0);
  }
  for (const error of problem.errors ?? []) {
    expect(['body', 'querystring', 'params', 'headers'], label).toContain(error.in);
    expect(error.pointer, label).toMatch(POINTER);
    expect(error.message, label).toEqual(expect.any(String));
    expect(error.message.length, label).toBeGreaterThan(0);
  }
  return problem;
}

/** Per route: how many cases ran and which statuses came back. */
const tally = new Map<string, { cases: number; statuses: Map<number, number> }>();
function count(route: string, status: number): void {
  const entry = tally.get(route) ?? { cases: 0, statuses: new Map<number, number>() };
  entry.cases += 1;
  entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
  tally.set(route, entry);
}

// ---------------------------------------------------------------------------------------------------------------

describe('fuzzing every write route', () => {
  const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();

  it('reads the write routes from the app and their body schemas from its OpenAPI document', () => {
    const listed = routes.map((route) => `${route.method} ${route.url}`);
    expect(KNOWN_WRITE_ROUTES.filter((route) => !listed.includes(route))).toEqual([]);
    // Of the known routes, those whose OpenAPI operation declares a JSON body (the others take none).
    const knownWithBodies = routes.filter(
      (route) => route.bodySchema && KNOWN_WRITE_ROUTES.includes(`${route.method} ${route.url}`),
    );
    expect(knownWithBodies).toHaveLength(16);
  });

  it('answers every generated request below 500, refusals as problem+json naming the fields', async () => {
    for (const route of routes) {
      const label = `${route.method} ${route.url}`;
      const resource = route.url.split('/')[3]!;
      const body = route.bodySchema
        ? fc.oneof(
            { weight: 6, arbitrary: objectFor(route.bodySchema) },
            { weight: 1, arbitrary: wrongValue },
            { weight: 1, arbitrary: fc.jsonValue() },
          )
        : fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }), protoObject);
      await fc.assert(
        fc.asyncProperty(pathId, body, encoding, fc.nat(), async (id, payload, how, cut) => {
          const url = route.url.replace(
            /:[a-z_]+/,
            id ?? realIds[resource] ?? '00000000-0000-4000-8000-000000000000',
          );
          const headers: Record<string, string> = {
            ...(route.url.endsWith('/logout') ? leaver : owner).headers,
          };
          let raw: string | Buffer | undefined;
          if (payload !== undefined) {
            const text = JSON.stringify(payload);
            headers['content-type'] =
              how === 'json' || how === 'invalid-utf8' || how === 'truncated' ? 'application/json' : how;
            const at = cut % (text.length + 1);
            raw =
              how === 'invalid-utf8'
                ? Buffer.concat([
                    Buffer.from(text.slice(0, at)),
                    INVALID_UTF8[cut % INVALID_UTF8.length]!,
                    Buffer.from(text.slice(at)),
                  ])
                : how === 'truncated'
                  ? text.slice(0, at)
                  : text;
          }
          const response = await t.app.inject({
            method: route.method,
            url,
            headers,
            ...(raw === undefined ? {} : { payload: raw }),
          });
          count(label, response.statusCode);
          const sent = `${url} ${how} ${typeof raw === 'string' ? raw.slice(0, 200) : raw?.toString('hex').slice(0, 200)}`;
          const problem = expectDocumentedAnswer(response, `${label} ${sent}`);
          if (how === 'invalid-utf8' && payload !== undefined) {
            // Authentication and routing come first (401, 404, an undecodable path); a body that gets parsed is
            // refused as unreadable.
            expect(response.statusCode, sent).toBeGreaterThanOrEqual(400);
            const pathRefused = problem!.errors?.some((error) => error.in === 'params');
            if (response.statusCode === 400 && !pathRefused)
              expect(problem!.type, sent).toBe('urn:datasync:problem:malformed-body');
          }
          if (how === 'json' && problem) {
            // Valid JSON text is always readable: a refusal names a field (or the whole body), never "malformed".
            expect(problem.type, `${label} ${sent}`).not.toBe('urn:datasync:problem:malformed-body');
            for (const error of problem.errors ?? []) {
              if (error.in !== 'body' || error.pointer === '') continue;
              // The pointer names a field that was sent, or one the route's schema defines (a missing field).
              const field = firstSegment(error.pointer)!;
              const sentFields = payload && typeof payload === 'object' ? Object.keys(payload) : [];
              const known = Object.keys(route.bodySchema?.properties ?? {});
              expect([...sentFields, ...known], `${label} ${sent}: ${error.pointer}`).toContain(field);
            }
          }
        }),
        { numRuns: RUNS },
      );
    }
    // Prototype keys in bodies stayed data (or were refused): nothing reached Object.prototype.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('explicit bad input on every write route', () => {
  // The fuzzing deleted its organization's rows: these cases get rows of their own.
  beforeAll(async () => {
    const fresh = await seededOrganization('Explicit Org');
    owner = fresh.owner;
    Object.assign(realIds, fresh.ids);
  });
  const send = (route: WriteRoute, payload: string | Buffer, contentType = 'application/json') =>
    t.app.inject({
      method: route.method,
      url: route.url.replace(
        /:[a-z_]+/,
        realIds[route.url.split('/')[3]!] ?? '00000000-0000-4000-8000-000000000000',
      ),
      headers: { ...owner.headers, 'content-type': contentType },
      payload,
    });
  // Logout ends the session it is called with; the fuzzing above covers it with a session of its own.
  const bodyRoutes = () => routes.filter((route) => !route.url.endsWith('/logout'));

  it('a body over 1 MiB is 413 payload-too-large', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });
    for (const route of bodyRoutes()) {
      const response = await send(route, huge);
      count(`${route.method} ${route.url}`, response.statusCode);
      const problem = expectDocumentedAnswer(response, `${route.method} ${route.url}`);
      expect([route.url, problem?.type]).toEqual([route.url, 'urn:datasync:problem:payload-too-large']);
    }
  });

  it('JSON nested 10,000 deep, as the body or inside a field, is a 4xx naming a field (no stack overflow)', async () => {
    const deepArray = '['.repeat(10_000) + ']'.repeat(10_000);
    const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    for (const route of bodyRoutes()) {
      const label = `${route.method} ${route.url}`;
      const fields = Object.keys(route.bodySchema?.properties ?? {});
      const bodies = [deepArray, deepObject, ...fields.map((field) => `{"${field}":${deepObject}}`)];
      for (const body of bodies) {
        const response = await send(route, body);
        count(label, response.statusCode);
        const problem = expectDocumentedAnswer(response, label);
        // Routes without a body schema ignore the body; every other one refuses it, naming the field at fault.
        if (route.bodySchema)
          expect(
            problem?.errors ?? [],
            `${label} ${body.slice(0, 20)} → ${response.statusCode} ${response.body.slice(0, 300)}`,
          ).not.toEqual([]);
      }
    }
  });

  it('invalid UTF-8 in a JSON body is 400 malformed-body, never stored as replacement characters', async () => {
    const before = (
      await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: owner.headers })
    ).json();
    for (const route of bodyRoutes()) {
      for (const bytes of INVALID_UTF8) {
        const body = Buffer.concat([Buffer.from('{"name":"a'), bytes, Buffer.from('b"}')]);
        const response = await send(route, body);
        count(`${route.method} ${route.url}`, response.statusCode);
        const problem = expectDocumentedAnswer(response, `${route.method} ${route.url}`);
        expect([route.url, problem?.type]).toEqual([route.url, 'urn:datasync:problem:malformed-body']);
      }
    }
    // Invalid UTF-8 never reaches the data: the organization is not renamed to "a\ufffd\ufffdb".
    const after = (
      await t.app.inject({ method: 'GET', url: '/api/v1/organization', headers: owner.headers })
    ).json();
    expect(after.name).toBe(before.name);
  });

  it('a path that is not valid percent-encoded UTF-8, or too long a segment, is a problem+json', async () => {
    for (const route of routes.filter((candidate) => candidate.url.includes('/:'))) {
      for (const [segment, status] of [
        ['%FF', 400],
        ['%E0%A4%A', 400],
        ['x'.repeat(101), 414],
      ] as const) {
        const response = await t.app.inject({
          method: route.method,
          url: route.url.replace(/:[a-z_]+/, segment),
          headers: owner.headers,
        });
        count(`${route.method} ${route.url}`, response.statusCode);
        const problem = expectDocumentedAnswer(response, `${route.method} ${route.url} ${segment}`);
        expect(problem?.status).toBe(status);
        expect(problem?.errors).toEqual([
          { in: 'params', pointer: '', message: expect.stringMatching(/^the path /) },
        ]);
      }
    }
  });
});

describe('prototype-polluting keys', () => {
  const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
  const request = (method: WriteMethod, url: string, payload: string) =>
    t.app.inject({ method, url, headers: { ...owner.headers, 'content-type': 'application/json' }, payload });

  it('in content item data and mapping overrides are refused, naming the key', async () => {
    const item = realIds['content-items']!;
    const site = realIds.sites!;
    const typeId = realIds['content-types']!;
    const cases: [WriteMethod, string, string, string][] = [
      [
        'PATCH',
        `/api/v1/content-items/${item}`,
        '{"data":{"__proto__":{"polluted":true}}}',
        '/data/__proto__',
      ],
      [
        'PATCH',
        `/api/v1/content-items/${item}`,
        '{"data":{"cta":{"constructor":{"prototype":{"polluted":true}}}}}',
        '/data/cta/constructor/prototype',
      ],
      [
        'POST',
        '/api/v1/content-items',
        `{"title":"T","content_type_id":"${typeId}","data":{"list":[{"__proto__":{"polluted":true}}]}}`,
        '/data/list/0/__proto__',
      ],
      [
        'PUT',
        '/api/v1/mappings',
        `{"site_id":"${site}","content_item_id":"${item}","mode":"override","overrides":{"__proto__":{"polluted":true}}}`,
        '/overrides/__proto__',
      ],
      [
        'PUT',
        '/api/v1/mappings',
        `{"site_id":"${site}","content_item_id":"${item}","mode":"override","overrides":{"constructor":{"prototype":{"x":1}}}}`,
        '/overrides/constructor/prototype',
      ],
      ['PATCH', '/api/v1/organization', '{"name":"X","__proto__":{"polluted":true}}', '/__proto__'],
    ];
    for (const [method, url, payload, pointer] of cases) {
      const response = await request(method, url, payload);
      const problem = expectDocumentedAnswer(response, `${method} ${url}`);
      // A prototype-polluting key is refused as a field, by name, not as a body that is "not valid JSON".
      expect([url, problem?.type, problem?.errors]).toEqual([
        url,
        'urn:datasync:problem:validation-error',
        [{ in: 'body', pointer, message: expect.any(String) }],
      ]);
    }
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a plain "constructor" or "prototype" field is ordinary data: stored and read back as sent, polluting nothing', async () => {
    const type = await request(
      'POST',
      '/api/v1/content-types',
      JSON.stringify({
        name: 'Open',
        slug: 'open-proto',
        schema: {
          type: 'object',
          properties: {
            constructor: { type: 'object' },
            prototype: { type: 'integer' },
            toString: { type: 'string' },
            hasOwnProperty: { type: 'boolean' },
          },
        },
      }),
    );
    expect(type.statusCode, type.body).toBe(201);
    const data = { constructor: { name: 'x' }, prototype: 1, toString: 'y', hasOwnProperty: false };
    const created = await request(
      'POST',
      '/api/v1/content-items',
      JSON.stringify({ title: 'Proto-ish', content_type_id: type.json().id, data }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/content-items/${created.json().id}`,
      headers: owner.headers,
    });
    expect(read.json().data).toEqual(data);
    const site = await request(
      'POST',
      '/api/v1/sites',
      JSON.stringify({ name: 'Proto site', slug: 'proto-site', destination_url: `${ALLOWED_ORIGIN}/hook` }),
    );
    expect(site.statusCode, site.body).toBe(201);
    const mapped = await request(
      'PUT',
      '/api/v1/mappings',
      JSON.stringify({
        site_id: site.json().id,
        content_item_id: created.json().id,
        mode: 'override',
        overrides: { constructor: { name: 'z' } },
      }),
    );
    expect(mapped.statusCode, mapped.body).toBeLessThan(300);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });
});

afterAll(() => {
  const rows = [...tally.entries()].map(([route, { cases, statuses }]) => ({
    route,
    cases,
    statuses: [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}×${n}`)
      .join(' '),
    '5xx': [...statuses.keys()].filter((status) => status >= 500).length,
  }));
  console.log(
    `bad input: ${rows.reduce((sum, row) => sum + row.cases, 0)} requests on ${rows.length} write routes ` +
      `(FUZZ_RUNS=${RUNS} generated cases per route, plus the explicit ones)`,
  );
  console.table(rows);
});
