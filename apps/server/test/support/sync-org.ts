import { expect } from 'vitest';
import type { App } from '../../src/http/app.js';
import type { AppDb } from '../../src/db/types.js';
import { loadDemoData } from './demo.js';
import { signUp, type SignedInUser } from './users.js';

export interface SyncOrgSite {
  id: string;
  slug: string;
  signingSecret: string;
}

/**
 * A new organization with the demo content and `count` sites (at least the demo's three), all delivering to
 * `destinationUrl`: the demo sites with their own mappings, the others with the demo's "Summer Sale" item as-is.
 */
export async function organizationWithSites(
  app: App,
  db: AppDb,
  options: { label: string; count: number; destinationUrl: string },
): Promise<{ owner: SignedInUser; orgId: string; sites: SyncOrgSite[] }> {
  const owner = await signUp(app, { organization: options.label });
  const demo = await loadDemoData(app, db, owner.headers);
  const sites: SyncOrgSite[] = [];
  for (const site of demo.result.sites) {
    const patched = await app.inject({
      method: 'PATCH',
      url: `/api/v1/sites/${site.id}`,
      headers: owner.headers,
      payload: { destination_url: options.destinationUrl },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    sites.push({ id: site.id, slug: site.slug, signingSecret: site.signing_secret! });
  }
  for (let n = sites.length; n < options.count; n++) {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: owner.headers,
      payload: { name: `Site ${n}`, slug: `site-${n}`, destination_url: options.destinationUrl },
    });
    expect(created.statusCode, created.body).toBe(201);
    const site = created.json() as { id: string; slug: string; signing_secret: string };
    sites.push({ id: site.id, slug: site.slug, signingSecret: site.signing_secret });
    const mapped = await app.inject({
      method: 'PUT',
      url: '/api/v1/mappings',
      headers: owner.headers,
      payload: { site_id: site.id, content_item_id: demo.itemIds.A, mode: 'full' },
    });
    expect(mapped.statusCode, mapped.body).toBe(201);
  }
  return { owner, orgId: owner.me.organization.id, sites };
}

/** POST /api/v1/sync-jobs; the new job's id. */
export async function createSyncJob(
  app: App,
  owner: SignedInUser,
  payload: Record<string, unknown> = {},
): Promise<string> {
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/sync-jobs',
    headers: owner.headers,
    payload,
  });
  expect(created.statusCode, created.body).toBe(202);
  return created.json().id;
}
