import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../test/support/demo.js';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { addMember, signUp, type SignedInUser } from '../../test/support/users.js';
import { decryptSecret } from '../crypto/secret-box.js';

let t: TestApp;
let owner: SignedInUser;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Before Demo' });
});
afterAll(() => t?.close());

async function counts(orgId: string) {
  const [row] = await rowsOf<Record<string, number>>(
    t.database.db,
    `SELECT
       (SELECT count(*)::int FROM content_types WHERE organization_id = '${orgId}') AS types,
       (SELECT count(*)::int FROM content_items WHERE organization_id = '${orgId}') AS items,
       (SELECT count(*)::int FROM content_items WHERE organization_id = '${orgId}' AND status = 'published') AS published,
       (SELECT count(*)::int FROM sites WHERE organization_id = '${orgId}') AS sites,
       (SELECT count(*)::int FROM site_item_mappings WHERE organization_id = '${orgId}') AS mappings`,
  );
  return row;
}

describe('POST /api/v1/demo', () => {
  it('loads the demo: Acme Holdings, 2 types, 4 items (3 published), 3 sites, the mappings', async () => {
    const { result } = await loadDemoData(t.app, t.database.db, owner.headers);
    expect(result.organization_name).toBe('Acme Holdings');
    expect(result.created).toEqual({ content_types: 2, content_items: 4, sites: 3 });
    expect(result.sites.map((s) => [s.slug, s.name])).toEqual([
      ['facebook', 'Facebook Campaign'],
      ['google', 'Google Campaign'],
      ['instagram', 'Instagram Campaign'],
    ]);
    expect(await counts(owner.me.organization.id)).toEqual({
      types: 2,
      items: 4,
      published: 3,
      sites: 3,
      mappings: 8,
    });

    const organization = await t.app.inject({
      method: 'GET',
      url: '/api/v1/organization',
      headers: owner.headers,
    });
    expect(organization.json().name).toBe('Acme Holdings');
  });

  it('points the sites at the demo landing pages and stores their secrets encrypted', async () => {
    const sites = await rowsOf<{
      slug: string;
      destination_url: string;
      public_url: string;
      signing_secret_encrypted: string;
    }>(
      t.database.db,
      `SELECT slug, destination_url, public_url, signing_secret_encrypted FROM sites
        WHERE organization_id = '${owner.me.organization.id}' ORDER BY slug`,
    );
    const landing = `http://datasync.test:${t.deps.config.landingPort}`;
    expect(sites.map((s) => [s.destination_url, s.public_url])).toEqual(
      ['facebook', 'google', 'instagram'].map((slug) => [`${landing}/${slug}/webhook`, `${landing}/${slug}`]),
    );
    for (const site of sites) {
      expect(decryptSecret(t.deps.keys.encryption, site.signing_secret_encrypted)).toMatch(/^whsec_/);
    }
  });

  it('changes nothing when loaded again, and shows no secret the second time', async () => {
    const before = await counts(owner.me.organization.id);
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/demo', headers: owner.headers });
    expect(again.statusCode).toBe(200);
    expect(again.json().created).toEqual({ content_types: 0, content_items: 0, sites: 0 });
    expect(again.body).not.toContain('whsec_');
    expect(await counts(owner.me.organization.id)).toEqual(before);
  });

  it('is for owners: an admin gets 403 and nothing changes', async () => {
    const fresh = await signUp(t.app, { organization: 'Not a demo' });
    const admin = await addMember(t.app, fresh, 'admin');
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/demo', headers: admin.headers });
    expect(response.statusCode).toBe(403);
    expect(await counts(fresh.me.organization.id)).toEqual({
      types: 0,
      items: 0,
      published: 0,
      sites: 0,
      mappings: 0,
    });
  });
});
