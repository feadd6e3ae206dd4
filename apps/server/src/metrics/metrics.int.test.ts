import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { openTestDatabase } from '../../test/support/test-database.js';
import { signUp, type SignedInUser } from '../../test/support/users.js';
import type { Database } from '../db/types.js';

const TOKEN = 'scrape-token-0123456789abcdef';

let database: Database;
let guarded: TestApp;
let open: TestApp;
beforeAll(async () => {
  database = await openTestDatabase();
  guarded = await createTestApp({ metricsToken: TOKEN }, { database });
  open = await createTestApp({}, { database });
});
afterAll(async () => {
  await guarded?.close();
  await open?.close();
  await database?.close();
});

const scrape = (t: TestApp, authorization?: string) =>
  t.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

describe('GET /metrics with METRICS_TOKEN set', () => {
  it('answers 401 problem+json without the token or with another one, and the metrics with it', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Basic ${Buffer.from(`metrics:${TOKEN}`).toString('base64')}`,
      TOKEN,
    ]) {
      const response = await scrape(guarded, authorization);
      expect(response.statusCode, authorization).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(response.json()).toMatchObject({
        type: 'urn:datasync:problem:unauthorized',
        status: 401,
        detail: 'GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>".',
      });
      expect(response.body).not.toContain('datasync_');
    }
    const response = await scrape(guarded, `Bearer ${TOKEN}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/^# TYPE datasync_rows_pruned_total counter$/m);
  });

  it('is public without METRICS_TOKEN', async () => {
    const response = await scrape(open);
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(/^# TYPE datasync_sites gauge$/m);
  });
});

describe('datasync_sites', () => {
  let owners: SignedInUser[];
  const siteIds: Record<string, string> = {};

  beforeAll(async () => {
    owners = [
      await signUp(open.app, { organization: 'Gauge A' }),
      await signUp(open.app, { organization: 'Gauge B' }),
    ];
    for (const [owner, slugs] of [
      [owners[0]!, ['a1', 'a2', 'a3']],
      [owners[1]!, ['b1', 'b2']],
    ] as const) {
      for (const slug of slugs) {
        const created = await open.app.inject({
          method: 'POST',
          url: '/api/v1/sites',
          headers: owner.headers,
          payload: { name: slug, slug, destination_url: `http://127.0.0.1:3001/${slug}` },
        });
        expect(created.statusCode, created.body).toBe(201);
        siteIds[slug] = created.json().id;
      }
    }
  });

  const gauge = async () => {
    const body = (await scrape(open)).body;
    return Object.fromEntries(
      ['healthy', 'failing', 'disabled'].map((health) => [
        health,
        Number(new RegExp(`^datasync_sites\\{health="${health}"\\} (\\d+)$`, 'm').exec(body)?.[1]),
      ]),
    );
  };

  it('counts the sites of every organization by health, read at each scrape', async () => {
    expect(await gauge()).toEqual({ healthy: 5, failing: 0, disabled: 0 });
    const set = (slugs: string[], change: string) =>
      database.executeSql(`UPDATE sites SET ${change} WHERE id = ANY ($1::uuid[])`, [
        `{${slugs.map((slug) => siteIds[slug]).join(',')}}`,
      ]);
    await set(['a2', 'a3', 'b1'], `failing_since = now()`);
    // Disabled wins over failing: a disabled site is not sent anything.
    await set(['a3'], `enabled = false, disabled_reason = 'receiver answered 410'`);
    expect(await gauge()).toEqual({ healthy: 2, failing: 2, disabled: 1 });
    await set(['a2'], `failing_since = NULL`);
    expect(await gauge()).toEqual({ healthy: 3, failing: 1, disabled: 1 });
    // The guarded app reads the same database: the same counts, once the token is shown.
    expect((await scrape(guarded, `Bearer ${TOKEN}`)).body).toMatch(
      /^datasync_sites\{health="failing"\} 1$/m,
    );
  });
});
