import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { uniqueEmail } from '../../test/support/users.js';

async function statusesOf(requests: Array<() => Promise<{ statusCode: number }>>): Promise<number[]> {
  const statuses: number[] = [];
  for (const request of requests) statuses.push((await request()).statusCode);
  return statuses;
}

describe('TRUST_PROXY and the per-IP login limit', () => {
  const attempts = (app: TestApp['app'], clients: string[]) =>
    statusesOf(
      clients.map(
        (client) => () =>
          app.inject({
            method: 'POST',
            url: '/api/v1/auth/login',
            headers: { 'x-forwarded-for': client },
            payload: { email: uniqueEmail(), password: 'not the password' },
          }),
      ),
    );

  it('counts each forwarded client on its own behind a trusted proxy', async () => {
    const proxied = await createTestApp({ trustProxy: ['127.0.0.1'], loginRateLimit: 2 });
    try {
      const clients = ['198.51.100.1', '198.51.100.1', '198.51.100.2', '198.51.100.2', '198.51.100.1'];
      expect(await attempts(proxied.app, clients)).toEqual([401, 401, 401, 401, 429]);
    } finally {
      await proxied.close();
    }
  });

  it('ignores X-Forwarded-For by default: one bucket for the connection’s address', async () => {
    const direct = await createTestApp({ loginRateLimit: 2 });
    try {
      expect(direct.deps.config.trustProxy).toBe(false);
      expect(await attempts(direct.app, ['198.51.100.1', '198.51.100.2', '198.51.100.3'])).toEqual([
        401, 401, 429,
      ]);
    } finally {
      await direct.close();
    }
  });
});
