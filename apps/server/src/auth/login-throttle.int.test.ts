import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { signUp, uniqueEmail } from '../../test/support/users.js';
import { createLoginThrottle } from './login-throttle.js';

let now = 1_000_000;
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(
    { trustProxy: ['127.0.0.1'] },
    { loginThrottle: createLoginThrottle({ now: () => now }) },
  );
});
afterAll(() => t?.close());

function login(email: string, password: string, client: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'x-forwarded-for': client },
    payload: { email, password },
  });
}

async function statusesOf(requests: Array<() => ReturnType<typeof login>>): Promise<number[]> {
  const statuses: number[] = [];
  for (const request of requests) statuses.push((await request()).statusCode);
  return statuses;
}

describe('login throttling per account', () => {
  it('makes the 6th attempt after 5 failures from 5 addresses wait, right password or not, until the delay is over', async () => {
    const { email, password } = await signUp(t.app);
    const wrong = [1, 2, 3, 4, 5].map((n) => () => login(email, `wrong-${n}`, `198.51.100.${n}`));
    expect(await statusesOf(wrong)).toEqual([401, 401, 401, 401, 401]);

    const early = await login(email, password, '198.51.100.6');
    expect(early.statusCode).toBe(429);
    expect(early.headers['retry-after']).toBe('1');
    expect(early.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(early.json()).toMatchObject({ type: 'urn:datasync:problem:rate-limited', status: 429 });
    expect(early.headers['set-cookie']).toBeUndefined();

    const other = await signUp(t.app);
    expect((await login(other.email, other.password, '198.51.100.6')).statusCode).toBe(200);

    now += 1_000;
    expect((await login(email, password, '198.51.100.6')).statusCode).toBe(200);
    // The success started the count over: five more failures before any wait.
    const again = [1, 2, 3, 4, 5].map((n) => () => login(email, `again-${n}`, `203.0.113.${n}`));
    expect(await statusesOf(again)).toEqual([401, 401, 401, 401, 401]);
    expect((await login(email, password, '203.0.113.6')).statusCode).toBe(429);
  });

  it('answers an unknown email exactly as a known one', async () => {
    const known = (await signUp(t.app)).email;
    const unknown = uniqueEmail('nobody');
    const answers = [];
    for (const email of [known, unknown]) {
      for (let n = 1; n <= 5; n += 1) await login(email, `wrong-${n}`, `192.0.2.${n}`);
      const sixth = await login(email, 'wrong-6', '192.0.2.6');
      answers.push({
        status: sixth.statusCode,
        retryAfter: sixth.headers['retry-after'],
        body: sixth.json(),
      });
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]!.status).toBe(429);
  });

  it('lets the owner in from an address they logged in from while strangers wait', async () => {
    const { email, password } = await signUp(t.app);
    expect((await login(email, password, '192.168.1.20')).statusCode).toBe(200);
    for (let n = 1; n <= 5; n += 1) await login(email, `guess-${n}`, `203.0.113.${n}`);
    expect((await login(email, password, '203.0.113.9')).statusCode).toBe(429);
    expect((await login(email, password, '192.168.1.20')).statusCode).toBe(200);
  });
});
