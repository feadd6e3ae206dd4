import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { cookieHeaderFrom, logIn, signUp, uniqueEmail } from '../../test/support/users.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('sign-up', () => {
  it('creates the user and their organization, makes them owner and starts a session', async () => {
    const email = uniqueEmail();
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: 'a long password', name: 'Ada', organization_name: 'Ada Corp' },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({
      user: { email, name: 'Ada' },
      organization: { name: 'Ada Corp' },
      role: 'owner',
      auth: 'session',
    });
    expect(JSON.stringify(body)).not.toContain('a long password');

    const setCookie = [response.headers['set-cookie']].flat().join('\n');
    expect(setCookie).toMatch(/datasync\.session_token=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: cookieHeaderFrom(response.headers['set-cookie']) },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      user: { email },
      organization: { id: body.organization.id },
      role: 'owner',
    });
  });

  it('stores a password hash, never the password', async () => {
    const user = await signUp(t.app, { password: 'plain text never stored' });
    const [account] = await rowsOf<{ password: string }>(
      t.database.db,
      `SELECT a.password FROM accounts a JOIN users u ON u.id = a.user_id WHERE u.email = '${user.email}'`,
    );
    expect(account?.password).toBeTruthy();
    expect(account?.password).not.toContain('plain text never stored');
  });

  it('refuses a second account with the same email with 409 on /email, creating nothing', async () => {
    const user = await signUp(t.app, { organization: 'First' });
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: user.email, password: 'another password', organization_name: 'Second' },
    });
    expect(response.statusCode).toBe(409);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.json().errors).toEqual([
      { in: 'body', pointer: '/email', message: 'is already registered' },
    ]);
    const [orgs] = await rowsOf<{ n: number }>(
      t.database.db,
      "SELECT count(*)::int AS n FROM organizations WHERE name = 'Second'",
    );
    expect(orgs?.n).toBe(0);
  });

  it('refuses a short password with a pointer to it', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: uniqueEmail(), password: 'short', organization_name: 'X' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { pointer: string }) => e.pointer)).toContain('/password');
  });
});

describe('login and logout', () => {
  it('logs in with the right password and lists the organizations', async () => {
    const user = await signUp(t.app, { organization: 'Login Org' });
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: user.password },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      user: { email: user.email },
      organizations: [{ id: user.me.organization.id, name: 'Login Org', role: 'owner' }],
    });
    expect([response.headers['set-cookie']].flat().join()).toMatch(/HttpOnly/i);
  });

  it('answers a wrong password and an unknown email alike, with 401 problem+json', async () => {
    const user = await signUp(t.app);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: 'not the password' },
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: uniqueEmail('nobody'), password: 'not the password' },
    });
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.json()).toMatchObject({ status: 401, detail: 'Invalid email or password.' });
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  it('issues a new session token at login rather than reusing one the client offers (no fixation)', async () => {
    const user = await signUp(t.app);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { cookie: user.cookie },
      payload: { email: user.email, password: user.password },
    });
    const fresh = cookieHeaderFrom(response.headers['set-cookie']);
    expect(fresh).toMatch(/datasync\.session_token=/);
    expect(fresh).not.toBe(user.cookie);
  });

  it('logout ends the session on the server: the old cookie no longer works', async () => {
    const user = await signUp(t.app);
    const cookie = await logIn(t.app, user.email, user.password);
    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
    expect(logout.statusCode).toBe(204);
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    // The other session (from sign-up) is unaffected.
    const other = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: user.cookie } });
    expect(other.statusCode).toBe(200);
  });

  it('asks for sign-in without a session, and with a forged cookie', async () => {
    for (const cookie of [undefined, 'datasync.session_token=forged.value']) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: cookie ? { cookie } : {},
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().type).toBe('urn:datasync:problem:unauthorized');
    }
  });
});

describe('login rate limit', () => {
  it('answers 429 problem+json with Retry-After once the per-minute limit is spent', async () => {
    const limited = await createTestApp({ loginRateLimit: 3 });
    try {
      const statuses: number[] = [];
      let last;
      for (let attempt = 0; attempt < 5; attempt += 1) {
        last = await limited.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: 'victim@example.test', password: `guess-${attempt}` },
        });
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(last!.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(last!.json().type).toBe('urn:datasync:problem:rate-limited');
      // What is left of the 60 s window that the first attempt opened a moment ago.
      expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(50);
      expect(Number(last!.headers['retry-after'])).toBeLessThanOrEqual(60);
    } finally {
      await limited.close();
    }
  });
});

describe('over real HTTP', () => {
  it('signs up, keeps the session cookie and reads /me through a listening server', async () => {
    const served = await createTestApp();
    try {
      await served.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = served.app.server.address() as AddressInfo;
      const base = `http://127.0.0.1:${port}`;
      const email = uniqueEmail('http');
      const signup = await fetch(`${base}/api/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'over the wire', organization_name: 'Wire Org' }),
      });
      expect(signup.status).toBe(201);
      const cookie = cookieHeaderFrom(signup.headers.getSetCookie());
      const me = await fetch(`${base}/api/v1/me`, { headers: { cookie } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ user: { email }, organization: { name: 'Wire Org' } });
    } finally {
      await served.close();
    }
  });
});
