import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../test/support/sql.js';
import { apiClient } from '../../test/support/api.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { MAX_BODY_DEPTH } from '../http/json-body.js';
import { addMember, signUp, type SignedInUser } from '../../test/support/users.js';

let t: TestApp;
let owner: SignedInUser;
let editor: SignedInUser;
let viewer: SignedInUser;
let other: SignedInUser;
let banner: { id: string; slug: string };
let page: { id: string; slug: string };
let theirType: { id: string };

const api = apiClient(() => t.app);

const bannerSchema = {
  type: 'object',
  required: ['headline', 'cta'],
  additionalProperties: false,
  properties: {
    headline: { type: 'string', minLength: 1, maxLength: 40 },
    discount: { type: 'integer', minimum: 0, maximum: 100 },
    cta: {
      type: 'object',
      required: ['text', 'url'],
      additionalProperties: false,
      properties: { text: { type: 'string', maxLength: 20 }, url: { type: 'string', format: 'uri' } },
    },
  },
};
const pageSchema = {
  type: 'object',
  required: ['hero'],
  properties: { hero: { type: 'string', 'x-ui': { widget: 'markdown' } } },
};
const bannerData = {
  headline: 'Summer sale',
  discount: 30,
  cta: { text: 'Shop', url: 'https://shop.test/' },
};

async function createType(who: SignedInUser, slug: string, schema: object) {
  const response = await api('POST', '/content-types', who, { name: slug, slug, schema });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function createItem(payload: Record<string, unknown> = {}, who = editor) {
  const response = await api('POST', '/content-items', who, {
    title: 'Summer sale banner',
    content_type_id: banner.id,
    data: bannerData,
    ...payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

const auditOf = (id: string) =>
  rowsOf<{ action: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null }>(
    t.database.db,
    `SELECT action, before, after FROM audit_log WHERE entity_id = '${id}' ORDER BY id`,
  );
const pointers = (response: { json(): { errors: { pointer: string }[] } }) =>
  response.json().errors.map((e) => e.pointer);

beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Items Org' });
  editor = await addMember(t.app, owner, 'editor');
  viewer = await addMember(t.app, owner, 'viewer');
  other = await signUp(t.app, { organization: 'Other Items Org' });
  banner = await createType(editor, 'banner', bannerSchema);
  page = await createType(editor, 'page', pageSchema);
  theirType = await createType(other, 'banner', bannerSchema);
});
afterAll(() => t?.close());

describe('content items: happy path', () => {
  it('creates a draft, reads, updates and deletes it, auditing each write with before/after', async () => {
    const item = await createItem();
    expect(item).toEqual({
      id: expect.any(String),
      title: 'Summer sale banner',
      content_type_id: banner.id,
      content_type_slug: 'banner',
      data: bannerData,
      status: 'draft',
      published_at: null,
      created_at: expect.any(String),
      updated_at: item.created_at,
    });
    const fetched = await api('GET', `/content-items/${item.id}`, viewer);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(item);

    const newData = { ...bannerData, headline: 'Winter sale' };
    const patched = await api('PATCH', `/content-items/${item.id}`, editor, {
      title: 'Winter',
      data: newData,
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ id: item.id, title: 'Winter', data: newData, status: 'draft' });

    expect((await api('DELETE', `/content-items/${item.id}`, editor)).statusCode).toBe(204);
    expect((await api('GET', `/content-items/${item.id}`, viewer)).statusCode).toBe(404);
    expect((await api('PATCH', `/content-items/${item.id}`, editor, { title: 'x' })).statusCode).toBe(404);
    expect((await api('DELETE', `/content-items/${item.id}`, editor)).statusCode).toBe(404);

    const audit = await auditOf(item.id);
    expect(audit.map((row) => row.action)).toEqual([
      'content_item.create',
      'content_item.update',
      'content_item.delete',
    ]);
    expect(audit[0]).toMatchObject({ before: null, after: item });
    expect(audit[1]).toMatchObject({ before: { title: 'Summer sale banner' }, after: { title: 'Winter' } });
    expect(audit[2]).toMatchObject({ before: { id: item.id, title: 'Winter' }, after: null });
  });
});

describe('content items: validation', () => {
  it('names missing and unknown fields, a bad status and data that is not an object (400)', async () => {
    const missing = await api('POST', '/content-items', editor, {});
    expect(missing.statusCode).toBe(400);
    expect(pointers(missing).sort()).toEqual(['/content_type_id', '/data', '/title']);
    const unknown = await api('POST', '/content-items', editor, {
      title: 'x',
      content_type_id: banner.id,
      data: bannerData,
      slug: 'nope',
    });
    expect(unknown.json().errors).toEqual([
      { in: 'body', pointer: '/slug', message: 'is not a known field' },
    ]);
    const badStatus = await api('POST', '/content-items', editor, {
      title: 'x',
      content_type_id: banner.id,
      data: bannerData,
      status: 'live',
    });
    expect(pointers(badStatus)).toContain('/status');
    for (const data of [null, [], 'text', 3]) {
      const response = await api('POST', '/content-items', editor, {
        title: 'x',
        content_type_id: banner.id,
        data,
      });
      expect(response.statusCode, JSON.stringify(data)).toBe(400);
      expect(pointers(response)).toEqual(['/data']);
    }
    const nul = await api('POST', '/content-items', editor, {
      title: 'a\u0000b',
      content_type_id: banner.id,
      data: {},
    });
    expect(nul.statusCode).toBe(400);
    expect(pointers(nul)).toEqual(['/title']);
    const badId = await api('POST', '/content-items', editor, { title: 'x', content_type_id: 'b', data: {} });
    expect(pointers(badId)).toEqual(['/content_type_id']);
    const item = await createItem();
    const empty = await api('PATCH', `/content-items/${item.id}`, editor, {});
    expect(empty.statusCode).toBe(400);
  });

  it('reports every way the data fails its schema, each with its pointer under /data (422)', async () => {
    const response = await api('POST', '/content-items', editor, {
      title: 'Broken',
      content_type_id: banner.id,
      data: {
        discount: 150,
        cta: { text: 'A call to action far too long', url: 'not a url' },
        colour: 'red',
      },
    });
    expect(response.statusCode).toBe(422);
    const problem = response.json();
    expect(problem.type).toBe('urn:datasync:problem:unprocessable');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { in: 'body', pointer: '/data/headline', message: 'is required' },
        { in: 'body', pointer: '/data/colour', message: 'is not a known field' },
        { in: 'body', pointer: '/data/discount', message: 'must be <= 100' },
        { in: 'body', pointer: '/data/cta/text', message: 'must NOT have more than 20 characters' },
        { in: 'body', pointer: '/data/cta/url', message: 'must match format "uri"' },
      ]),
    );
    expect(problem.errors).toHaveLength(5);

    const item = await createItem();
    const patch = await api('PATCH', `/content-items/${item.id}`, editor, { data: { headline: '' } });
    expect(patch.statusCode).toBe(422);
    expect(pointers(patch).sort()).toEqual(['/data/cta', '/data/headline']);
    expect((await api('GET', `/content-items/${item.id}`, viewer)).json().data).toEqual(bannerData);
  });

  it('answers 422 at /content_type_id for a type that does not exist, or is another organization’s', async () => {
    for (const content_type_id of [randomUUID(), theirType.id]) {
      const response = await api('POST', '/content-items', editor, { title: 'x', content_type_id, data: {} });
      expect(response.statusCode).toBe(422);
      expect(response.json().errors).toEqual([
        { in: 'body', pointer: '/content_type_id', message: 'is not a content type of this organization' },
      ]);
      expect(response.body).not.toContain(other.me.organization.id);
    }
  });

  it('refuses absurdly nested data with a 4xx, never a crash', async () => {
    // Built as text: JSON.stringify itself overflows the stack on this.
    const post = (depth: number) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/content-items',
        headers: { ...editor.headers, 'content-type': 'application/json' },
        payload: `{"title":"x","content_type_id":"${banner.id}","data":{"headline":"h","cta":${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}}}`,
      });
    // Past what any body may nest: refused while the body is parsed.
    const absurd = await post(100_000);
    expect(absurd.statusCode).toBe(400);
    expect(absurd.json().errors).toEqual([
      {
        in: 'body',
        pointer: `/data/cta${'/a'.repeat(MAX_BODY_DEPTH - 2)}`,
        message: `nests deeper than ${MAX_BODY_DEPTH} levels`,
      },
    ]);
    // Within the body's limit but past item data's own.
    const deep = await post(MAX_BODY_DEPTH - 3);
    expect(deep.statusCode).toBe(422);
    expect(deep.json().errors).toEqual([
      { in: 'body', pointer: `/data/cta${'/a'.repeat(63)}`, message: 'nests deeper than 64 levels' },
    ]);
    // Just within the limit, it is stored and read back whole, on either database.
    let nest: unknown = 'x';
    for (let i = 0; i < 63; i += 1) nest = { a: nest };
    const stored = await createItem({ content_type_id: page.id, data: { hero: 'h', nest } });
    expect((await api('GET', `/content-items/${stored.id}`, viewer)).json().data).toEqual({
      hero: 'h',
      nest,
    });
  });

  it('moves an item to another type only when its data fits that type', async () => {
    const item = await createItem();
    const refused = await api('PATCH', `/content-items/${item.id}`, editor, { content_type_id: page.id });
    expect(refused.statusCode).toBe(422);
    expect(pointers(refused)).toEqual(['/data/hero']);
    const unknownType = await api('PATCH', `/content-items/${item.id}`, editor, {
      content_type_id: theirType.id,
    });
    expect(pointers(unknownType)).toEqual(['/content_type_id']);

    const moved = await api('PATCH', `/content-items/${item.id}`, editor, {
      content_type_id: page.id,
      data: { hero: '# Welcome' },
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ content_type_id: page.id, content_type_slug: 'page' });
    expect((await api('GET', `/content-items/${item.id}`, viewer)).json().content_type_slug).toBe('page');
  });
});

describe('content items: lifecycle', () => {
  const move = (id: string, status: string) => api('PATCH', `/content-items/${id}`, editor, { status });

  it('walks draft → published → draft → archived → draft → published → archived, tracking published_at', async () => {
    const item = await createItem();
    const published = await move(item.id, 'published');
    expect(published.statusCode).toBe(200);
    const firstPublishedAt = published.json().published_at;
    expect(firstPublishedAt).toEqual(expect.any(String));

    const again = await api('PATCH', `/content-items/${item.id}`, editor, {
      status: 'published',
      title: 'Edit',
    });
    expect(again.json().published_at).toBe(firstPublishedAt);

    const unpublished = await move(item.id, 'draft');
    expect(unpublished.json()).toMatchObject({ status: 'draft', published_at: null });
    const archivedDraft = await move(item.id, 'archived');
    expect(archivedDraft.json()).toMatchObject({ status: 'archived', published_at: null });
    const restored = await move(item.id, 'draft');
    expect(restored.json()).toMatchObject({ status: 'draft', published_at: null });
    const republished = (await move(item.id, 'published')).json();
    expect(Date.parse(republished.published_at)).toBeGreaterThanOrEqual(Date.parse(firstPublishedAt));
    const archived = await move(item.id, 'archived');
    expect(archived.json()).toMatchObject({ status: 'archived', published_at: republished.published_at });

    const actions = (await auditOf(item.id)).map((row) => row.action);
    expect(actions).toEqual([
      'content_item.create',
      'content_item.publish',
      'content_item.update',
      'content_item.unpublish',
      'content_item.archive',
      'content_item.restore',
      'content_item.publish',
      'content_item.archive',
    ]);
    const audit = await auditOf(item.id);
    expect(audit[1]).toMatchObject({
      before: { status: 'draft', published_at: null },
      after: { status: 'published', published_at: firstPublishedAt },
    });
  });

  it('refuses archived → published with 409 at /status, changing nothing', async () => {
    const item = await createItem();
    await move(item.id, 'archived');
    const refused = await api('PATCH', `/content-items/${item.id}`, editor, {
      status: 'published',
      title: 'New',
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      type: 'urn:datasync:problem:conflict',
      errors: [{ in: 'body', pointer: '/status' }],
    });
    expect((await api('GET', `/content-items/${item.id}`, viewer)).json()).toMatchObject({
      status: 'archived',
      title: 'Summer sale banner',
    });
  });

  it('can create an item already published, with published_at set', async () => {
    const item = await createItem({ status: 'published' });
    expect(item.status).toBe('published');
    expect(Date.parse(item.published_at)).toBeGreaterThanOrEqual(Date.parse(item.created_at));
  });
});

describe('content items: roles and tenants', () => {
  it('lets a viewer read but not write; an editor writes', async () => {
    const item = await createItem();
    expect((await api('GET', '/content-items', viewer)).statusCode).toBe(200);
    expect((await api('GET', `/content-items/${item.id}`, viewer)).statusCode).toBe(200);
    const writes = [
      api('POST', '/content-items', viewer, { title: 'v', content_type_id: banner.id, data: bannerData }),
      api('PATCH', `/content-items/${item.id}`, viewer, { status: 'published' }),
      api('DELETE', `/content-items/${item.id}`, viewer),
    ];
    for (const response of await Promise.all(writes)) {
      expect(response.statusCode).toBe(403);
      expect(response.json().type).toBe('urn:datasync:problem:forbidden');
    }
    expect((await api('GET', `/content-items/${item.id}`, viewer)).json().status).toBe('draft');
    expect(
      (await api('PATCH', `/content-items/${item.id}`, editor, { status: 'published' })).statusCode,
    ).toBe(200);
  });

  it('hides one organization’s items from another: 404 on read, change and delete, nothing changed', async () => {
    const item = await createItem({}, owner);
    expect((await api('GET', `/content-items/${item.id}`, other)).statusCode).toBe(404);
    const patch = await api('PATCH', `/content-items/${item.id}`, other, {
      title: 'Stolen',
      status: 'published',
    });
    expect(patch.statusCode).toBe(404);
    expect((await api('DELETE', `/content-items/${item.id}`, other)).statusCode).toBe(404);
    const theirs = (await api('GET', '/content-items', other)).json();
    expect(theirs.items.map((row: { id: string }) => row.id)).not.toContain(item.id);
    const filtered = await api('GET', `/content-items?content_type_id=${banner.id}`, other);
    expect(filtered.json().items).toEqual([]);
    expect((await api('GET', `/content-items/${item.id}`, owner)).json()).toEqual(item);
    expect((await auditOf(item.id)).map((row) => row.action)).toEqual(['content_item.create']);
  });
});
