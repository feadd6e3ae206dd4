import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { signUp, type SignedInUser } from '../../test/support/users.js';

let t: TestApp;
let owner: SignedInUser;
let article: { id: string };
let banner: { id: string };
const created: { id: string; title: string; status: string; content_type_id: string }[] = [];

const get = (query: string, who: SignedInUser = owner) =>
  t.app.inject({ method: 'GET', url: `/api/v1/content-items${query}`, headers: who.headers });

async function post(url: string, payload: object) {
  const response = await t.app.inject({
    method: 'POST',
    url: `/api/v1${url}`,
    headers: owner.headers,
    payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

const schema = { type: 'object', properties: { body: { type: 'string' } } };
// Titles chosen for the `q` filter: LIKE wildcards must match only themselves.
const TITLES = [
  'Spring Sale',
  'summer SALE',
  '100% off',
  '100 percent',
  'snake_case',
  'snakeXcase',
  'back\\slash',
  'Autumn',
];

beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'List Org' });
  article = await post('/content-types', { name: 'Article', slug: 'article', schema });
  banner = await post('/content-types', { name: 'Banner', slug: 'banner', schema });
  for (const [index, title] of TITLES.entries()) {
    const status = index % 3 === 0 ? 'published' : index % 3 === 1 ? 'draft' : 'archived';
    const type = index % 2 === 0 ? article : banner;
    created.push(await post('/content-items', { title, content_type_id: type.id, data: {}, status }));
  }
});
afterAll(() => t?.close());

async function walk(query: string, limit: number) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = query ? '&' : '';
    const response = await get(
      `?${query}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.items.length).toBeLessThanOrEqual(limit);
    ids.push(...body.items.map((item: { id: string }) => item.id));
    cursor = body.next_cursor;
    pages += 1;
  } while (cursor && pages < 100);
  return { ids, pages };
}

describe('listing content items', () => {
  it('pages newest first with a cursor: every item once, no gaps, stable order', async () => {
    const { ids, pages } = await walk('', 3);
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(created.map((item) => item.id).reverse());
    expect((await walk('', 3)).ids).toEqual(ids);
    const all = (await get('')).json();
    expect(all.items.map((item: { id: string }) => item.id)).toEqual(ids);
    expect(all.next_cursor).toBeNull();
    expect(all.items[0]).toMatchObject({ title: 'Autumn', content_type_slug: 'banner', data: {} });
  });

  it('keeps rows that share a timestamp apart: pages through items created in one transaction', async () => {
    const other = await signUp(t.app, { organization: 'Same Instant Org' });
    const type = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/content-types',
        headers: other.headers,
        payload: { name: 'T', slug: 't', schema },
      })
    ).json();
    await rowsOf(
      t.database.db,
      `INSERT INTO content_items (organization_id, content_type_id, title)
       SELECT '${other.me.organization.id}', '${type.id}', 'same instant ' || n FROM generate_series(1, 7) n`,
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const body: { items: { id: string }[]; next_cursor: string | null } = (await get(query, other)).json();
      seen.push(...body.items.map((item) => item.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it('filters by status and by content type, and pages through the filtered list', async () => {
    for (const status of ['draft', 'published', 'archived']) {
      const expected = created.filter((item) => item.status === status).map((item) => item.id);
      expect((await walk(`status=${status}`, 2)).ids).toEqual(expected.reverse());
    }
    const ofBanner = created.filter((item) => item.content_type_id === banner.id).map((item) => item.id);
    expect((await walk(`content_type_id=${banner.id}`, 2)).ids).toEqual(ofBanner.reverse());
    const both = (await get(`?status=published&content_type_id=${article.id}`)).json();
    const expected = created.filter(
      (item) => item.status === 'published' && item.content_type_id === article.id,
    );
    expect(expected).toHaveLength(2);
    expect(both.items.map((item: { id: string }) => item.id)).toEqual(
      expected.map((item) => item.id).reverse(),
    );
  });

  it('searches titles case-insensitively, with %, _ and \\ matching only themselves', async () => {
    const titles = async (q: string) =>
      (await get(`?q=${encodeURIComponent(q)}`)).json().items.map((item: { title: string }) => item.title);
    expect((await titles('sale')).sort()).toEqual(['Spring Sale', 'summer SALE']);
    expect(await titles('0%')).toEqual(['100% off']);
    expect(await titles('e_c')).toEqual(['snake_case']);
    expect(await titles('k\\s')).toEqual(['back\\slash']);
    expect(await titles('nothing like it')).toEqual([]);
    expect((await get('?q=')).json().items).toHaveLength(TITLES.length);
    expect((await get('?q=sale&status=draft')).json().items.map((i: { title: string }) => i.title)).toEqual([
      'summer SALE',
    ]);
  });

  it('answers 400 with the parameter’s pointer for a bad cursor, limit, filter or unknown parameter', async () => {
    const cases: [string, string][] = [
      ['?cursor=garbage', '/cursor'],
      [`?cursor=${Buffer.from('["2020-01-01",1]').toString('base64url')}`, '/cursor'],
      ['?limit=0', '/limit'],
      ['?limit=201', '/limit'],
      ['?limit=ten', '/limit'],
      ['?status=live', '/status'],
      ['?content_type_id=nope', '/content_type_id'],
      ['?colour=red', '/colour'],
      [`?q=${'x'.repeat(201)}`, '/q'],
    ];
    for (const [query, pointer] of cases) {
      const response = await get(query);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().errors[0], query).toMatchObject({ in: 'querystring', pointer });
    }
  });
});
