import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../test/support/demo.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { signUp, type SignedInUser } from '../../test/support/users.js';

// Regular expressions in content schemas run in linear time on every path that validates data over HTTP.
// 28 a's and a ! against ^(a+)+$ take ~2 s on a backtracking engine (each one more doubles it): enough to fail
// the time limit below without holding the suite up for minutes.
const EVIL = `${'a'.repeat(28)}!`;
const QUICK_MS = 500;

let t: TestApp;
let owner: SignedInUser;
let demo: Awaited<ReturnType<typeof loadDemoData>>;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Pattern Org' });
  demo = await loadDemoData(t.app, t.database.db, owner.headers);
});
afterAll(() => t?.close());

const request = (method: 'POST' | 'PATCH' | 'PUT', url: string, payload: unknown) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: owner.headers, payload: payload as object });

let slugs = 0;
async function createType(schema: Record<string, unknown>) {
  slugs += 1;
  return request('POST', '/content-types', { name: `Type ${slugs}`, slug: `type-${slugs}`, schema });
}

const evilSchema = {
  type: 'object',
  properties: { code: { type: 'string', pattern: '^(a+)+$' } },
  patternProperties: { '^x-(b+)+$': { type: 'integer' } },
};

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

describe('content types with patterns', () => {
  it('accepts ^(a+)+$, and an evil item is answered quickly with 422 naming the field', async () => {
    const type = await createType(evilSchema);
    expect(type.statusCode).toBe(201);
    const { ms, result } = await timed(() =>
      request('POST', '/content-items', {
        content_type_id: type.json().id,
        title: 'Evil',
        data: { code: EVIL, [`x-${'b'.repeat(28)}!`]: 'not checked', [`x-${'b'.repeat(28)}`]: 'nope' },
      }),
    );
    expect(result.statusCode).toBe(422);
    expect(result.json().errors).toEqual([
      { in: 'body', pointer: '/data/code', message: 'must match pattern "^(a+)+$"' },
      { in: 'body', pointer: `/data/x-${'b'.repeat(28)}`, message: 'must be integer' },
    ]);
    expect(ms).toBeLessThan(QUICK_MS);
  });

  it('refuses a backreference or a lookaround with 422 naming the pointer, on create and on update', async () => {
    const created = await createType({
      type: 'object',
      properties: { twice: { type: 'string', pattern: '^(\\w)\\1$' } },
    });
    expect(created.statusCode).toBe(422);
    expect(created.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(created.json()).toMatchObject({
      type: 'urn:datasync:problem:unprocessable',
      errors: [
        {
          in: 'body',
          pointer: '/schema/properties/twice/pattern',
          message: 'uses a backreference, which the linear-time regular expression engine cannot run',
        },
      ],
    });

    const type = await createType(evilSchema);
    const updated = await request('PATCH', `/content-types/${type.json().id}`, {
      schema: { ...evilSchema, patternProperties: { '^(?!id)': {} } },
    });
    expect(updated.statusCode).toBe(422);
    expect(updated.json().errors).toEqual([
      {
        in: 'body',
        pointer: '/schema/patternProperties/^(?!id)',
        message: 'uses a lookahead, which the linear-time regular expression engine cannot run',
      },
    ]);
  });

  it('checks overrides merged into the item on the same engine: 422 at the overridden field, quickly', async () => {
    const type = await createType(evilSchema);
    const item = await request('POST', '/content-items', {
      content_type_id: type.json().id,
      title: 'Fine',
      data: { code: 'aaa' },
    });
    expect(item.statusCode).toBe(201);
    const { ms, result } = await timed(() =>
      request('PUT', '/mappings', {
        site_id: demo.siteIds.google,
        content_item_id: item.json().id,
        mode: 'override',
        overrides: { code: EVIL },
      }),
    );
    expect(result.statusCode).toBe(422);
    expect(result.json().errors).toEqual([
      { in: 'body', pointer: '/overrides/code', message: 'must match pattern "^(a+)+$"' },
    ]);
    expect(ms).toBeLessThan(QUICK_MS);
  });

  it('answers 422 naming the schema pointer for a type stored with a pattern the engine cannot run', async () => {
    const type = await createType({
      type: 'object',
      properties: { pin: { type: 'string', pattern: '^\\d+$' } },
    });
    // As a type saved before patterns were checked would be.
    await t.database.executeSql(`UPDATE content_types SET schema = $1 WHERE id = $2`, [
      JSON.stringify({ type: 'object', properties: { pin: { type: 'string', pattern: '^(\\d)\\1+$' } } }),
      type.json().id,
    ]);
    const item = await request('POST', '/content-items', {
      content_type_id: type.json().id,
      title: 'Pin',
      data: { pin: '1111' },
    });
    expect(item.statusCode).toBe(422);
    expect(item.json().errors).toEqual([
      {
        in: 'body',
        pointer: '/data',
        message:
          "cannot be checked: the content type's /schema/properties/pin/pattern uses a backreference, which the linear-time regular expression engine cannot run",
      },
    ]);
  });
});
