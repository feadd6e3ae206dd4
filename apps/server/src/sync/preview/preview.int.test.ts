import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SitePreview } from '@datasync/contracts';
import { loadDemoData } from '../../../test/support/demo.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { signUp, type SignedInUser } from '../../../test/support/users.js';

let t: TestApp;
let owner: SignedInUser;
let demo: Awaited<ReturnType<typeof loadDemoData>>;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Preview Org' });
  demo = await loadDemoData(t.app, t.database.db, owner.headers);
});
afterAll(() => t?.close());

async function preview(site: 'facebook' | 'google' | 'instagram', headers = owner.headers) {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/sites/${demo.siteIds[site]}/preview`,
    headers,
  });
  expect(response.statusCode).toBe(200);
  return response.json() as SitePreview;
}

describe('GET /api/v1/sites/:id/preview', () => {
  it('gives each demo site exactly its mapped, published items', async () => {
    const { A, B, C } = demo.itemIds;
    const facebook = await preview('facebook');
    expect(facebook.items.map((item) => [item.id, item.mode])).toEqual([
      [A, 'full'],
      [B, 'override'],
    ]);
    expect(facebook.items[1]!.data).toMatchObject({
      headline: 'Free shipping on orders over $50',
      badge: 'bestseller',
      cta: { text: 'Claim on Facebook', url: 'https://shop.acme.example/' },
    });
    expect((await preview('google')).items.map((item) => item.id)).toEqual([C]);
    // The draft D is mapped to Instagram but not sent.
    expect((await preview('instagram')).items.map((item) => item.id)).toEqual([A, B, C]);
  });

  it('reports the next version, the hash and, with no snapshot yet, everything as added', async () => {
    const facebook = await preview('facebook');
    expect(facebook).toMatchObject({
      site: { slug: 'facebook', name: 'Facebook Campaign' },
      item_count: 2,
      next_version: 1,
      up_to_date: false,
      last_snapshot: null,
      diff: { added: [demo.itemIds.A, demo.itemIds.B], removed: [], changed: [], unchanged: [] },
    });
    expect(facebook.payload_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('diffs against the last snapshot and says when the site is up to date', async () => {
    const google = await preview('google');
    const payload = { type: 'content.synced', data: { version: 1, items: google.items } };
    await t.database.exec(
      `INSERT INTO destination_snapshots (organization_id, site_id, version, payload, payload_hash, item_count)
       VALUES ('${owner.me.organization.id}', '${demo.siteIds.google}', 1,
               '${JSON.stringify(payload).replace(/'/g, "''")}', '${google.payload_hash}', 1)`,
    );
    const same = await preview('google');
    expect(same).toMatchObject({ up_to_date: true, last_snapshot: { version: 1, item_count: 1 } });
    expect(same.diff).toEqual({ added: [], removed: [], changed: [], unchanged: [demo.itemIds.C] });

    // Publishing B to Google and editing C: one added, one changed.
    await t.app.inject({
      method: 'PUT',
      url: '/api/v1/mappings',
      headers: owner.headers,
      payload: { site_id: demo.siteIds.google, content_item_id: demo.itemIds.B, mode: 'full' },
    });
    await t.database.exec(
      `UPDATE content_items SET title = 'Acme Downtown: now open' WHERE id = '${demo.itemIds.C}'`,
    );
    const changed = await preview('google');
    expect(changed.up_to_date).toBe(false);
    expect(changed.diff).toEqual({
      added: [demo.itemIds.B],
      removed: [],
      changed: [demo.itemIds.C],
      unchanged: [],
    });
  });

  it("answers 404 for another organization's site", async () => {
    const intruder = await signUp(t.app, { organization: 'Peeker' });
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sites/${demo.siteIds.facebook}/preview`,
      headers: intruder.headers,
    });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('Summer Sale');
  });
});
