import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../test/support/demo.js';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { addMember, signUp, type SignedInUser } from '../../test/support/users.js';

let t: TestApp;
let owner: SignedInUser;
let demo: Awaited<ReturnType<typeof loadDemoData>>;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Mapping Org' });
  demo = await loadDemoData(t.app, t.database.db, owner.headers);
});
afterAll(() => t?.close());

const put = (headers: Record<string, string>, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'PUT', url: '/api/v1/mappings', headers, payload });

describe('GET /api/v1/mappings', () => {
  it('lists every mapping, and filters by site and by item', async () => {
    const all = await t.app.inject({ method: 'GET', url: '/api/v1/mappings', headers: owner.headers });
    expect(all.statusCode).toBe(200);
    expect(all.json()).toHaveLength(8);

    const google = await t.app.inject({
      method: 'GET',
      url: `/api/v1/mappings?site_id=${demo.siteIds.google}`,
      headers: owner.headers,
    });
    const modes = Object.fromEntries(
      google.json().map((m: { content_item_id: string; mode: string }) => [m.content_item_id, m.mode]),
    );
    expect(modes).toEqual({ [demo.itemIds.C]: 'full', [demo.itemIds.A]: 'block' });

    const itemB = await t.app.inject({
      method: 'GET',
      url: `/api/v1/mappings?content_item_id=${demo.itemIds.B}`,
      headers: owner.headers,
    });
    expect(itemB.json()).toHaveLength(2);
    expect(itemB.json().find((m: { site_id: string }) => m.site_id === demo.siteIds.facebook)).toMatchObject({
      mode: 'override',
      overrides: { cta: { text: 'Claim on Facebook' } },
    });
  });

  it('rejects a filter that is not a uuid with a pointer', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/mappings?site_id=nope',
      headers: owner.headers,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0]).toMatchObject({ in: 'querystring', pointer: '/site_id' });
  });
});

describe('PUT /api/v1/mappings', () => {
  it('creates (201), then updates the same site × item (200), and audits both', async () => {
    const payload = { site_id: demo.siteIds.google, content_item_id: demo.itemIds.B, mode: 'full' };
    const created = await put(owner.headers, payload);
    expect(created.statusCode).toBe(201);
    const updated = await put(owner.headers, {
      ...payload,
      mode: 'override',
      overrides: { headline: 'Free shipping, Google shoppers' },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ id: created.json().id, mode: 'override' });
    const audit = await rowsOf<{ action: string }>(
      t.database.db,
      `SELECT action FROM audit_log WHERE entity_id = '${created.json().id}' ORDER BY id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['mapping.create', 'mapping.update']);
  });

  it('refuses overrides that break the schema with 422 and the failing paths', async () => {
    const response = await put(owner.headers, {
      site_id: demo.siteIds.instagram,
      content_item_id: demo.itemIds.A,
      mode: 'override',
      overrides: { cta: { text: 'x'.repeat(41) }, discount_percent: 150, headline: null },
    });
    expect(response.statusCode).toBe(422);
    const pointers = response
      .json()
      .errors.map((e: { pointer: string }) => e.pointer)
      .sort();
    expect(pointers).toEqual(['/overrides/cta/text', '/overrides/discount_percent', '/overrides/headline']);
    const unchanged = await t.app.inject({
      method: 'GET',
      url: `/api/v1/mappings?site_id=${demo.siteIds.instagram}&content_item_id=${demo.itemIds.A}`,
      headers: owner.headers,
    });
    expect(unchanged.json()[0].mode).toBe('full');
  });

  it('refuses overrides on a full or block mapping (400 /overrides)', async () => {
    const response = await put(owner.headers, {
      site_id: demo.siteIds.google,
      content_item_id: demo.itemIds.C,
      mode: 'block',
      overrides: { offer: 'x' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { in: 'body', pointer: '/overrides', message: 'must be empty when mode is block' },
    ]);
  });

  it('names a missing mode, an unknown mode and an unknown site or item', async () => {
    const missing = await put(owner.headers, {
      site_id: demo.siteIds.google,
      content_item_id: demo.itemIds.C,
    });
    expect(missing.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/mode']);
    const unknownMode = await put(owner.headers, {
      site_id: demo.siteIds.google,
      content_item_id: demo.itemIds.C,
      mode: 'partial',
    });
    expect(unknownMode.statusCode).toBe(400);
    const unknownIds = await put(owner.headers, {
      site_id: randomUUID(),
      content_item_id: randomUUID(),
      mode: 'full',
    });
    expect(unknownIds.statusCode).toBe(422);
    expect(unknownIds.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual([
      '/site_id',
      '/content_item_id',
    ]);
  });

  it('lets an editor map but not a viewer', async () => {
    const editor = await addMember(t.app, owner, 'editor');
    const viewer = await addMember(t.app, owner, 'viewer');
    const payload = { site_id: demo.siteIds.google, content_item_id: demo.itemIds.D, mode: 'full' };
    expect((await put(viewer.headers, payload)).statusCode).toBe(403);
    expect((await put(editor.headers, payload)).statusCode).toBe(201);
  });
});

describe('DELETE /api/v1/mappings/:id', () => {
  it('deletes once, then 404', async () => {
    const created = await put(owner.headers, {
      site_id: demo.siteIds.facebook,
      content_item_id: demo.itemIds.C,
      mode: 'block',
    });
    const id = created.json().id;
    const first = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/mappings/${id}`,
      headers: owner.headers,
    });
    expect(first.statusCode).toBe(204);
    const second = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/mappings/${id}`,
      headers: owner.headers,
    });
    expect(second.statusCode).toBe(404);
  });
});

describe('tenant isolation', () => {
  it("another organization cannot see, map with, or delete A's mappings, sites or items", async () => {
    const intruder = await signUp(t.app, { organization: 'Intruder' });
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/mappings', headers: intruder.headers });
    expect(list.json()).toEqual([]);
    const filtered = await t.app.inject({
      method: 'GET',
      url: `/api/v1/mappings?site_id=${demo.siteIds.facebook}`,
      headers: intruder.headers,
    });
    expect(filtered.json()).toEqual([]);

    const mapWithTheirs = await put(intruder.headers, {
      site_id: demo.siteIds.facebook,
      content_item_id: demo.itemIds.A,
      mode: 'block',
    });
    expect(mapWithTheirs.statusCode).toBe(422);

    const [victim] = await rowsOf<{ id: string }>(
      t.database.db,
      `SELECT id FROM site_item_mappings WHERE organization_id = '${owner.me.organization.id}' LIMIT 1`,
    );
    const remove = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/mappings/${victim!.id}`,
      headers: intruder.headers,
    });
    expect(remove.statusCode).toBe(404);
    const [still] = await rowsOf<{ n: number }>(
      t.database.db,
      `SELECT count(*)::int AS n FROM site_item_mappings WHERE id = '${victim!.id}'`,
    );
    expect(still?.n).toBe(1);
  });
});

describe('overrides stay valid when the item changes', () => {
  it('refuses an item change that would make a site’s merged data break the schema (422)', async () => {
    const type = await t.app.inject({
      method: 'POST',
      url: '/api/v1/content-types',
      headers: owner.headers,
      payload: {
        name: 'Compact',
        slug: 'compact',
        schema: {
          type: 'object',
          maxProperties: 2,
          properties: { a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' } },
        },
      },
    });
    expect(type.statusCode).toBe(201);
    const item = await t.app.inject({
      method: 'POST',
      url: '/api/v1/content-items',
      headers: owner.headers,
      payload: { title: 'Compact item', content_type_id: type.json().id, data: { a: 'x' } },
    });
    expect(item.statusCode).toBe(201);
    const mapped = await put(owner.headers, {
      site_id: demo.siteIds.google,
      content_item_id: item.json().id,
      mode: 'override',
      overrides: { b: 'google' },
    });
    expect(mapped.statusCode).toBe(201);

    // {a, c} is valid on its own, but Google would receive {a, b, c}: three properties.
    const change = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/content-items/${item.json().id}`,
      headers: owner.headers,
      payload: { data: { a: 'x', c: 'y' } },
    });
    expect(change.statusCode).toBe(422);
    expect(change.json().errors[0]).toMatchObject({ pointer: '/data' });
    expect(change.json().errors[0].message).toContain(demo.siteIds.google);
    const fine = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/content-items/${item.json().id}`,
      headers: owner.headers,
      payload: { data: { a: 'changed' } },
    });
    expect(fine.statusCode).toBe(200);
  });
});

describe('overrides stay valid when the schema changes', () => {
  it('refuses a schema change that a site’s overrides would break, naming the item and site', async () => {
    const bannerType = (
      await t.app.inject({ method: 'GET', url: '/api/v1/content-types', headers: owner.headers })
    )
      .json()
      .find((type: { slug: string }) => type.slug === 'offer_banner');
    // Facebook's override of B sets badge "bestseller"; a schema without that badge value breaks only Facebook's copy.
    const schema = structuredClone(bannerType.schema);
    schema.properties.badge.enum = ['new', 'limited'];
    const response = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/content-types/${bannerType.id}`,
      headers: owner.headers,
      payload: { schema },
    });
    expect(response.statusCode).toBe(409);
    const offenders = response.json().items as { id: string; errors: { message: string }[] }[];
    expect(offenders.map((item) => item.id)).toEqual([demo.itemIds.B]);
    expect(offenders[0]!.errors[0]!.message).toContain(demo.siteIds.facebook);
  });
});
