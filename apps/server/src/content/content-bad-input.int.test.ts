import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { signUp, type SignedInUser } from '../../test/support/users.js';

// Whatever a client sends, the content routes answer 2xx or 4xx problem+json: never a 5xx.

let t: TestApp;
let owner: SignedInUser;
let typeId: string;
let itemId: string;

const schema = {
  type: 'object',
  properties: {
    text: { type: 'string' },
    tags: { type: 'array', items: { enum: ['a', 'b'] }, uniqueItems: true },
    nested: { type: 'object', properties: { deeper: { type: 'array', items: { $ref: '#' } } } },
  },
};

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  '',
  ' ',
  'x'.repeat(20_000),
  'nul \u0000 inside',
  'lone \ud800 surrogate',
  '😀 emoji',
  [],
  [null, [[]]],
  {},
  { '': 1 },
  { 'nul\u0000key': 1 },
  { 'lone\udc00key': 'x' },
  { text: 'nul \u0000' },
  { text: 'lone \ud83d' },
  { tags: Array.from({ length: 5_000 }, (_, i) => `t${i}`) },
  { type: 'object' },
  { type: 'object', properties: {}, $ref: '#' },
  { type: 'object', properties: { a: { $ref: '#/properties/a' } } },
  { type: 'object', properties: { a: { type: 'string', pattern: '\u0000' } } },
  { type: 'object', properties: { 'x\u0000': { type: 'string' } } },
  { type: 'object', properties: { a: { type: 'string', default: 'lone \ud800' } } },
  schema,
];

/** Bodies with every field of `base` replaced by each odd value in turn, and a few malformed wholes. */
function bodies(base: Record<string, unknown>): unknown[] {
  const out: unknown[] = [...ODD_VALUES];
  for (const key of Object.keys(base)) {
    for (const value of ODD_VALUES) out.push({ ...base, [key]: value });
  }
  return out;
}

beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Bad Input Org' });
  const type = await t.app.inject({
    method: 'POST',
    url: '/api/v1/content-types',
    headers: owner.headers,
    payload: { name: 'T', slug: 't', schema },
  });
  typeId = type.json().id;
  const item = await t.app.inject({
    method: 'POST',
    url: '/api/v1/content-items',
    headers: owner.headers,
    payload: { title: 'I', content_type_id: typeId, data: { text: 'x' } },
  });
  itemId = item.json().id;
});
afterAll(() => t?.close());

async function expectNo5xx(method: 'POST' | 'PATCH', url: string, payloads: unknown[]) {
  const failures: string[] = [];
  for (const payload of payloads) {
    const response = await t.app.inject({
      method,
      url,
      headers: { ...owner.headers, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
    if (response.statusCode >= 500)
      failures.push(`${method} ${url} ${JSON.stringify(payload).slice(0, 120)}`);
    else if (response.statusCode >= 400) {
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  }
  expect(failures).toEqual([]);
}

describe('bad input never yields a 5xx', () => {
  it('content types: create and update', async () => {
    const base = { name: 'N', slug: 'n', schema };
    await expectNo5xx('POST', '/api/v1/content-types', bodies(base));
    await expectNo5xx('PATCH', `/api/v1/content-types/${typeId}`, bodies(base));
  });

  it('content items: create and update', async () => {
    const base = { title: 'T', content_type_id: typeId, data: { text: 'x' }, status: 'draft' };
    await expectNo5xx('POST', '/api/v1/content-items', bodies(base));
    await expectNo5xx('PATCH', `/api/v1/content-items/${itemId}`, bodies(base));
  });

  it('content items: list query parameters', async () => {
    const failures: string[] = [];
    // Already percent-encoded, so malformed encodings reach the server: %00 (NUL), %ED%A0%80 (a UTF-8 surrogate).
    const values = [
      '',
      '%25',
      '_',
      '%5C',
      "'",
      'nul%00',
      '%ED%A0%80',
      '%E0%A4%A',
      'x'.repeat(300),
      '-1',
      '1e9',
      '[]',
    ];
    for (const name of ['q', 'status', 'content_type_id', 'limit', 'cursor']) {
      for (const value of values) {
        const url = `/api/v1/content-items?${name}=${value}`;
        const response = await t.app.inject({ method: 'GET', url, headers: owner.headers });
        if (response.statusCode >= 500) failures.push(`${name}=${JSON.stringify(value)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
