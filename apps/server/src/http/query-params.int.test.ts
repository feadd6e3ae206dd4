import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncJob } from '../../test/support/sync-org.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { signUp, type SignedInUser } from '../../test/support/users.js';

let t: TestApp;
let owner: SignedInUser;
let jobId: string;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app);
  jobId = await createSyncJob(t.app, owner);
});
afterAll(() => t?.close());

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const UUID = '6f1c1f7e-7a43-4bd2-9f0e-3d6e1a0b2c11';

/** What each GET answered: its status and the problem's errors (or the body when it is not a 400). */
async function answersTo(cases: [string, string][]) {
  const answers = [];
  for (const [url] of cases) {
    const response = await t.app.inject({ method: 'GET', url, headers: owner.headers });
    answers.push([
      url,
      response.statusCode,
      response.statusCode === 400 ? response.json().errors : response.body,
    ]);
  }
  return answers;
}
const refusal = ([url, pointer]: [string, string]) => [
  url,
  400,
  [{ in: 'querystring', pointer, message: expect.any(String) }],
];

describe('malformed query parameters', () => {
  const lists = () => ['/api/v1/content-items', '/api/v1/sync-jobs', '/api/v1/sites'];
  const pageCases: [string, string][] = [
    ['limit=abc', '/limit'],
    ['limit=0', '/limit'],
    ['limit=-1', '/limit'],
    ['limit=201', '/limit'],
    ['limit=1.5', '/limit'],
    ['limit=', '/limit'],
    ['limit=1&limit=2', '/limit'],
    ['cursor=', '/cursor'],
    ['cursor=not-a-cursor', '/cursor'],
    ['cursor=%E2%82%AC', '/cursor'],
    [`cursor=${'x'.repeat(201)}`, '/cursor'],
    [`cursor=${cursorOf(['1', UUID])}`, '/cursor'],
    [`cursor=${cursorOf(['2026-02-30T00:00:00.000000Z', UUID])}`, '/cursor'],
    [`cursor=${cursorOf(['275760-09-13T00:00:00.000000Z', UUID])}`, '/cursor'],
    [`cursor=${cursorOf(['2026-01-01T00:00:00.000000Z', 'not-a-uuid'])}`, '/cursor'],
    [`cursor=${cursorOf(['2026-01-01T00:00:00.000000Z'])}`, '/cursor'],
    [`cursor=${cursorOf({ a: 1 })}`, '/cursor'],
    [`cursor=${cursorOf(null)}`, '/cursor'],
  ];

  it('a bad page size or cursor on any paginated list is 400 naming the parameter', async () => {
    const cases = lists().flatMap((url) =>
      pageCases.map(([query, pointer]): [string, string] => [`${url}?${query}`, pointer]),
    );
    expect(await answersTo(cases)).toEqual(cases.map(refusal));
  });

  it('unknown enum values, ids and numbers out of range are 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/api/v1/content-items?status=bogus', '/status'],
      ['/api/v1/content-items?content_type_id=nope', '/content_type_id'],
      ['/api/v1/content-items?unknown=1', '/unknown'],
      ['/api/v1/mappings?site_id=nope', '/site_id'],
      ['/api/v1/mappings?content_item_id=123', '/content_item_id'],
      [`/api/v1/sync-jobs/${jobId}/logs?after=abc`, '/after'],
      [`/api/v1/sync-jobs/${jobId}/logs?after=-1`, '/after'],
      [`/api/v1/sync-jobs/${jobId}/logs?after=99999999999999999999`, '/after'],
      [`/api/v1/sync-jobs/${jobId}/logs?after=1e300`, '/after'],
      [`/api/v1/sync-jobs/${jobId}/events?last_event_id=nope`, '/last_event_id'],
      [`/api/v1/sync-jobs/${jobId}/events?last_event_id=99999999999999999999`, '/last_event_id'],
      ['/api/v1/events?last_event_id=1.bogus', '/last_event_id'],
      ['/api/v1/events?organization_id=nope', '/organization_id'],
    ];
    expect(await answersTo(cases)).toEqual(cases.map(refusal));
  });

  it('an unknown enum value is one entry listing the accepted values', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/content-items?status=bogus',
      headers: owner.headers,
    });
    expect(response.json().errors).toEqual([
      { in: 'querystring', pointer: '/status', message: 'must be one of "draft", "published", "archived"' },
    ]);
  });
});
