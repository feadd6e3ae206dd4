import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../test/support/sql.js';
import { apiClient } from '../../test/support/api.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { addMember, signUp, type SignedInUser } from '../../test/support/users.js';

let t: TestApp;
let owner: SignedInUser;
let editor: SignedInUser;
let viewer: SignedInUser;
let other: SignedInUser;

beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Types Org' });
  editor = await addMember(t.app, owner, 'editor');
  viewer = await addMember(t.app, owner, 'viewer');
  other = await signUp(t.app, { organization: 'Other Types Org' });
});
afterAll(() => t?.close());

const api = apiClient(() => t.app);

const bannerSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['headline'],
  additionalProperties: false,
  properties: {
    headline: { type: 'string', minLength: 1, maxLength: 80 },
    body: { type: 'string', 'x-ui': { widget: 'markdown' } },
    cta: {
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string', maxLength: 40 }, url: { type: 'string', format: 'uri' } },
    },
  },
};

let slugCounter = 0;
async function createType(who: SignedInUser = editor, overrides: Record<string, unknown> = {}) {
  slugCounter += 1;
  const response = await api('POST', '/content-types', who, {
    name: `Banner ${slugCounter}`,
    slug: `banner_${slugCounter}`,
    schema: bannerSchema,
    ...overrides,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; name: string; slug: string; schema: Record<string, unknown> };
}

async function createItem(typeId: string, data: Record<string, unknown>, title = 'An item') {
  const response = await api('POST', '/content-items', editor, { title, content_type_id: typeId, data });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string };
}

const auditOf = (id: string) =>
  rowsOf<{ action: string; before: unknown; after: unknown; actor_user_id: string }>(
    t.database.db,
    `SELECT action, before, after, actor_user_id FROM audit_log WHERE entity_id = '${id}' ORDER BY id`,
  );

describe('content types: happy path', () => {
  it('creates, reads, lists (by name), updates and deletes, auditing each write with before/after', async () => {
    const created = await api('POST', '/content-types', editor, {
      name: 'Zebra promo',
      slug: 'zebra-promo',
      schema: bannerSchema,
    });
    expect(created.statusCode).toBe(201);
    const type = created.json();
    expect(type).toMatchObject({ name: 'Zebra promo', slug: 'zebra-promo', schema: bannerSchema });
    expect(type.created_at).toBe(type.updated_at);
    const aardvark = await createType(editor, { name: 'Aardvark promo', slug: 'aardvark' });

    const fetched = await api('GET', `/content-types/${type.id}`, viewer);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(type);

    const list = await api('GET', '/content-types', viewer);
    expect(list.statusCode).toBe(200);
    const names = list.json().map((row: { name: string }) => row.name);
    expect(names).toEqual([...names].sort());
    expect(names.indexOf('Aardvark promo')).toBeLessThan(names.indexOf('Zebra promo'));

    const patched = await api('PATCH', `/content-types/${type.id}`, editor, { name: 'Zebra offer' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ id: type.id, name: 'Zebra offer', slug: 'zebra-promo' });
    expect(Date.parse(patched.json().updated_at)).toBeGreaterThanOrEqual(Date.parse(type.updated_at));

    const newSchema = {
      ...bannerSchema,
      properties: { ...bannerSchema.properties, badge: { enum: ['new'] } },
    };
    const reschemed = await api('PATCH', `/content-types/${type.id}`, editor, {
      schema: newSchema,
      slug: 'z',
    });
    expect(reschemed.statusCode).toBe(200);
    expect(reschemed.json()).toMatchObject({ slug: 'z', schema: newSchema });

    expect((await api('DELETE', `/content-types/${type.id}`, editor)).statusCode).toBe(204);
    expect((await api('GET', `/content-types/${type.id}`, viewer)).statusCode).toBe(404);
    expect((await api('DELETE', `/content-types/${type.id}`, editor)).statusCode).toBe(404);
    expect((await api('GET', `/content-types/${aardvark.id}`, viewer)).statusCode).toBe(200);

    const audit = await auditOf(type.id);
    expect(audit.map((row) => row.action)).toEqual([
      'content_type.create',
      'content_type.update',
      'content_type.update',
      'content_type.delete',
    ]);
    expect(audit[0]).toMatchObject({ before: null, after: type, actor_user_id: editor.me.user!.id });
    expect(audit[1]).toMatchObject({ before: { name: 'Zebra promo' }, after: { name: 'Zebra offer' } });
    expect(audit[2]).toMatchObject({
      before: { slug: 'zebra-promo' },
      after: { slug: 'z', schema: newSchema },
    });
    expect(audit[3]).toMatchObject({ before: { id: type.id, slug: 'z' }, after: null });
  });
});

describe('content types: validation', () => {
  it('names missing and unknown fields, and a bad slug', async () => {
    const missing = await api('POST', '/content-types', editor, {});
    expect(missing.statusCode).toBe(400);
    expect(
      missing
        .json()
        .errors.map((e: { pointer: string }) => e.pointer)
        .sort(),
    ).toEqual(['/name', '/schema', '/slug']);
    const unknown = await api('POST', '/content-types', editor, {
      name: 'X',
      slug: 'x',
      schema: bannerSchema,
      colour: 'red',
    });
    expect(unknown.json().errors).toEqual([
      { in: 'body', pointer: '/colour', message: 'is not a known field' },
    ]);
    for (const slug of ['Upper', '1abc', 'has space', '', 'a'.repeat(64), 'ümlaut']) {
      const response = await api('POST', '/content-types', editor, { name: 'X', slug, schema: bannerSchema });
      expect(response.statusCode, slug).toBe(400);
      expect(response.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/slug']);
    }
    const empty = await api('PATCH', `/content-types/${(await createType()).id}`, editor, {});
    expect(empty.statusCode).toBe(400);
  });

  it('refuses a schema that is not a JSON Schema object, or not a valid one, naming the place', async () => {
    for (const schema of ['string', 42, null, [], true]) {
      const response = await api('POST', '/content-types', editor, { name: 'X', slug: 'x', schema });
      expect(response.statusCode, JSON.stringify(schema)).toBe(400);
      expect(response.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/schema']);
    }
    const cases: [unknown, string[]][] = [
      [{ type: 'array', items: {} }, ['/schema/type', '/schema/properties']],
      [{ type: 'object', properties: { a: { type: 'strnig' } } }, ['/schema/properties/a/type']],
      [
        { type: 'object', properties: { a: { type: 'string', pattern: '([' } } },
        ['/schema/properties/a/pattern'],
      ],
      [{ type: 'object', properties: { a: { $ref: '#/$defs/nowhere' } } }, ['/schema/properties/a/$ref']],
      [
        { type: 'object', properties: { a: { type: 'string', 'x-ui': { widget: 'nope' } } } },
        ['/schema/properties/a/x-ui/widget'],
      ],
    ];
    for (const [schema, pointers] of cases) {
      const response = await api('POST', '/content-types', editor, { name: 'X', slug: 'x', schema });
      expect(response.statusCode, JSON.stringify(schema)).toBe(400);
      expect(response.json().type).toBe('urn:datasync:problem:validation-error');
      expect(response.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual(pointers);
    }
    const type = await createType();
    const patch = await api('PATCH', `/content-types/${type.id}`, editor, { schema: { type: 'object' } });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/schema/properties']);
  });

  it('refuses a schema nested absurdly deep with a 400, not a crash', async () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 2_000; i += 1) deep = { type: 'object', properties: { a: deep } };
    const response = await api('POST', '/content-types', editor, {
      name: 'Deep',
      slug: 'deep',
      schema: deep,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].message).toMatch(/deeper than/);
  });

  it('answers 409 with /slug for a slug the organization already uses, on create and on rename', async () => {
    const first = await createType();
    const duplicate = await api('POST', '/content-types', editor, {
      name: 'Another',
      slug: first.slug,
      schema: bannerSchema,
    });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toMatchObject({
      type: 'urn:datasync:problem:conflict',
      errors: [{ in: 'body', pointer: '/slug' }],
    });
    const second = await createType();
    const rename = await api('PATCH', `/content-types/${second.id}`, editor, { slug: first.slug });
    expect(rename.statusCode).toBe(409);
    expect(rename.json().errors[0].pointer).toBe('/slug');
    // Slugs are per organization: another one may use the same.
    const elsewhere = await api('POST', '/content-types', other, {
      name: 'Theirs',
      slug: first.slug,
      schema: bannerSchema,
    });
    expect(elsewhere.statusCode).toBe(201);
  });
});

describe('content types: changes that existing items forbid', () => {
  it('refuses a schema the existing items would fail, listing each with its errors; accepts a compatible one', async () => {
    const type = await createType();
    const good = await createItem(type.id, { headline: 'Short', cta: { text: 'Go' } }, 'Good one');
    const long = await createItem(type.id, { headline: 'A headline of some length' }, 'Long one');
    const noCta = await createItem(type.id, { headline: 'No CTA' }, 'No CTA');

    const stricter = {
      ...bannerSchema,
      required: ['headline', 'cta'],
      properties: { ...bannerSchema.properties, headline: { type: 'string', maxLength: 10 } },
    };
    const refused = await api('PATCH', `/content-types/${type.id}`, editor, {
      schema: stricter,
      name: 'New',
    });
    expect(refused.statusCode).toBe(409);
    const problem = refused.json();
    expect(problem).toMatchObject({
      type: 'urn:datasync:problem:conflict',
      status: 409,
      errors: [{ in: 'body', pointer: '/schema', message: expect.any(String) }],
    });
    expect(problem.detail).toMatch(/^2 existing items/);
    expect(problem.items).toHaveLength(2);
    expect(problem.items).toEqual(
      expect.arrayContaining([
        {
          id: long.id,
          title: 'Long one',
          errors: expect.arrayContaining([
            { pointer: '/data/cta', message: 'is required' },
            { pointer: '/data/headline', message: 'must NOT have more than 10 characters' },
          ]),
        },
        { id: noCta.id, title: 'No CTA', errors: [{ pointer: '/data/cta', message: 'is required' }] },
      ]),
    );
    expect(problem.items.map((item: { id: string }) => item.id)).not.toContain(good.id);

    const unchanged = await api('GET', `/content-types/${type.id}`, viewer);
    expect(unchanged.json()).toMatchObject({ name: type.name, schema: bannerSchema });
    expect((await auditOf(type.id)).map((row) => row.action)).toEqual(['content_type.create']);

    const looser = { ...bannerSchema, properties: { ...bannerSchema.properties, extra: { type: 'number' } } };
    expect((await api('PATCH', `/content-types/${type.id}`, editor, { schema: looser })).statusCode).toBe(
      200,
    );
  });

  it('refuses to delete a type that still has items, saying how many', async () => {
    const type = await createType();
    const items = [
      await createItem(type.id, { headline: 'One' }),
      await createItem(type.id, { headline: 'Two' }),
    ];
    const refused = await api('DELETE', `/content-types/${type.id}`, editor);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ type: 'urn:datasync:problem:conflict' });
    expect(refused.json().detail).toMatch(/2 content items/);
    for (const item of items) await api('DELETE', `/content-items/${item.id}`, editor);
    expect((await api('DELETE', `/content-types/${type.id}`, editor)).statusCode).toBe(204);
  });
});

describe('content types: roles and tenants', () => {
  it('lets a viewer read but not write; an editor writes', async () => {
    const type = await createType(editor);
    expect((await api('GET', '/content-types', viewer)).statusCode).toBe(200);
    expect((await api('GET', `/content-types/${type.id}`, viewer)).statusCode).toBe(200);
    const writes = [
      api('POST', '/content-types', viewer, { name: 'V', slug: 'v', schema: bannerSchema }),
      api('PATCH', `/content-types/${type.id}`, viewer, { name: 'V' }),
      api('DELETE', `/content-types/${type.id}`, viewer),
    ];
    for (const response of await Promise.all(writes)) {
      expect(response.statusCode).toBe(403);
      expect(response.json().type).toBe('urn:datasync:problem:forbidden');
    }
    expect((await api('PATCH', `/content-types/${type.id}`, editor, { name: 'E' })).statusCode).toBe(200);
    expect((await api('GET', `/content-types/${type.id}`, viewer)).json().name).toBe('E');
  });

  it('hides one organization’s types from another: 404 on read, change and delete, nothing changed', async () => {
    const type = await createType(owner);
    expect((await api('GET', `/content-types/${type.id}`, other)).statusCode).toBe(404);
    expect((await api('PATCH', `/content-types/${type.id}`, other, { name: 'Stolen' })).statusCode).toBe(404);
    expect((await api('DELETE', `/content-types/${type.id}`, other)).statusCode).toBe(404);
    const theirList = (await api('GET', '/content-types', other)).json();
    expect(theirList.map((row: { id: string }) => row.id)).not.toContain(type.id);
    expect((await api('GET', `/content-types/${type.id}`, owner)).json()).toEqual(type);
  });

  it('answers 400 for an id that is not a uuid', async () => {
    const response = await api('GET', '/content-types/not-a-uuid', viewer);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0]).toMatchObject({ in: 'params', pointer: '/id' });
  });
});
