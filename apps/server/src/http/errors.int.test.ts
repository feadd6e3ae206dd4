import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from '../../test/support/test-app.js';
import { signUp, uniqueEmail, type SignedInUser } from '../../test/support/users.js';

let t: TestApp;
let owner: SignedInUser;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app);
});
afterAll(() => t?.close());

type Injected = Awaited<ReturnType<TestApp['app']['inject']>>;

function expectProblem(response: Injected, status: number, type: string) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json();
  expect(body).toMatchObject({ type: `urn:datasync:problem:${type}`, status });
  expect(typeof body.title).toBe('string');
  return body as { errors?: { in: string; pointer: string; message: string }[]; detail: string };
}

const signup = (payload: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    headers: { 'content-type': 'application/json', ...headers },
    payload,
  });

describe('bad input is a 4xx problem+json naming the field', () => {
  it('missing fields: every one is listed with its pointer', async () => {
    const body = expectProblem(await signup('{}'), 400, 'validation-error');
    expect(body.errors?.map((e) => e.pointer).sort()).toEqual(['/email', '/password']);
    expect(body.errors?.every((e) => e.in === 'body' && e.message === 'is required')).toBe(true);
  });

  it('unknown fields are refused, not silently dropped', async () => {
    const payload = JSON.stringify({
      email: uniqueEmail(),
      password: 'long enough',
      organization_name: 'X',
      admin: true,
    });
    const body = expectProblem(await signup(payload), 400, 'validation-error');
    expect(body.errors).toEqual([{ in: 'body', pointer: '/admin', message: 'is not a known field' }]);
  });

  it('wrong types are not coerced', async () => {
    const payload = JSON.stringify({ email: uniqueEmail(), password: 12345678, organization_name: 'X' });
    const body = expectProblem(await signup(payload), 400, 'validation-error');
    expect(body.errors?.map((e) => e.pointer)).toEqual(['/password']);
  });

  it('a malformed email is named', async () => {
    const payload = JSON.stringify({
      email: 'not-an-email',
      password: 'long enough',
      organization_name: 'X',
    });
    const body = expectProblem(await signup(payload), 400, 'validation-error');
    expect(body.errors?.map((e) => e.pointer)).toEqual(['/email']);
  });

  it('malformed JSON, an empty JSON body, and a JSON array', async () => {
    expectProblem(await signup('{"email": '), 400, 'malformed-body');
    expectProblem(await signup(''), 400, 'malformed-body');
    expectProblem(await signup('[]'), 400, 'validation-error');
  });

  it('a body over 1 MiB is 413', async () => {
    const huge = JSON.stringify({
      email: 'x@example.test',
      password: 'p'.repeat(10 * 1024 * 1024),
      organization_name: 'X',
    });
    expectProblem(await signup(huge), 413, 'payload-too-large');
  });

  it('a body that is not JSON is 415', async () => {
    expectProblem(
      await signup('email=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported-media-type',
    );
  });

  it('a path id that is not a uuid is 400 on params', async () => {
    const response = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/api-keys/not-a-uuid',
      headers: owner.headers,
    });
    const body = expectProblem(response, 400, 'validation-error');
    expect(body.errors?.[0]).toMatchObject({ in: 'params', pointer: '/id' });
  });

  it('an unknown route is a 404 problem', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' }), 404, 'not-found');
  });

  it('text PostgreSQL cannot store (NUL, unpaired surrogates) is a 400 naming the field, on any route', async () => {
    const rename = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization',
      headers: { ...owner.headers, 'content-type': 'application/json' },
      payload: '{"name": "Acme\\u0000Corp"}',
    });
    const body = expectProblem(rename, 400, 'validation-error');
    expect(body.errors).toEqual([
      {
        in: 'body',
        pointer: '/name',
        message: 'contains U+0000 or an unpaired surrogate, which cannot be stored',
      },
    ]);
    const site = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: { ...owner.headers, 'content-type': 'application/json' },
      payload: '{"name": "\\ud800", "slug": "s", "destination_url": "http://127.0.0.1:3001/s/webhook"}',
    });
    expect(expectProblem(site, 400, 'validation-error').errors?.map((e) => e.pointer)).toEqual(['/name']);
  });

  it('prototype-polluting keys are refused as unknown fields and pollute nothing', async () => {
    const payload =
      '{"email":"a@example.test","password":"long enough","organization_name":"X","__proto__":{"polluted":true}}';
    const response = await signup(payload);
    expect(response.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('cross-site request forgery', () => {
  it('refuses a cookie-carrying write from another origin', async () => {
    const response = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization',
      headers: { ...owner.headers, origin: 'https://evil.example' },
      payload: { name: 'Pwned' },
    });
    expectProblem(response, 403, 'forbidden');
    const organization = await t.app.inject({
      method: 'GET',
      url: '/api/v1/organization',
      headers: owner.headers,
    });
    expect(organization.json().name).not.toBe('Pwned');
  });

  it('accepts the same write from the public origin', async () => {
    const response = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization',
      headers: { ...owner.headers, origin: TEST_PUBLIC_URL },
      payload: { name: 'Renamed from our UI' },
    });
    expect(response.statusCode).toBe(200);
  });
});

describe('HTTP basics', () => {
  it('sends security headers', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['content-security-policy']).toBeTruthy();
  });

  it('reports health with the database checked', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', database: 'ok' });
  });

  it('publishes an OpenAPI 3.1 document with the routes', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/signup',
        '/api/v1/me',
        '/api/v1/api-keys/{id}',
        '/api/v1/members',
      ]),
    );
  });
});
