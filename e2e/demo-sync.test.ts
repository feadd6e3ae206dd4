import { basename } from 'node:path';
import type { SyncJob } from '@datasync/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  groupExecutables,
  startFreshInstall,
  type FreshInstall,
  type NpmStart,
} from './support/processes.js';

// The demo's sync over HTTP only, against `npm start` (build, then DataSync with the three demo landing pages on
// embedded PGlite): sign up → load the demo → run a sync → it ends in success → each page shows what it was sent.
// No browser, so that CI runs it again under each supported Node version with that version's `node` first on PATH.

let install: FreshInstall;
let app: NpmStart;
let landingUrl: string;
let headers: Record<string, string>;

/** What each demo page shows once synced (its mappings in demo-content.ts), and how many items it was sent. */
const EXPECTED = {
  facebook: { items: 2, shows: ['Summer Sale', 'Claim on Facebook'], hides: ['Acme Downtown is open'] },
  google: { items: 1, shows: ['Acme Downtown is open'], hides: ['Summer Sale', 'Free shipping'] },
  instagram: {
    items: 3,
    shows: ['Summer Sale', 'Free shipping on orders over $50', 'Acme Downtown is open'],
    hides: [],
  },
};

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${app.url}${path}`, { ...init, headers: { ...headers, ...(init.headers ?? {}) } });
}

describe('the demo sync over HTTP (npm start)', () => {
  beforeAll(async () => {
    install = await startFreshInstall();
    ({ app, landingUrl } = install);
  }, 180_000);

  afterAll(async () => {
    await install?.stop();
  });

  it('runs the server on the node that runs this test', () => {
    // npm, the build and `datasync serve` all run on the `node` first on PATH, as this test does (npm runs
    // scripts through sh, which is not a node).
    const nodes = groupExecutables(app.child.pid!).filter((exe) => basename(exe) === 'node');
    expect(new Set(nodes)).toEqual(new Set([process.execPath]));
  });

  it('signs up, loads the demo, and a sync delivers to the three landing pages', async () => {
    const signup = await fetch(`${app.url}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'owner@example.com',
        password: 'correct horse battery',
        organization_name: 'Demo Sync',
      }),
    });
    expect(signup.status).toBe(201);
    const me = (await signup.json()) as { organization: { id: string } };
    const cookie = signup.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    headers = { cookie, 'x-organization-id': me.organization.id, 'content-type': 'application/json' };

    expect((await api('/api/v1/demo', { method: 'POST', body: '{}' })).status).toBe(201);
    const created = await api('/api/v1/sync-jobs', { method: 'POST', body: '{}' });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };

    let job: SyncJob | undefined;
    await expect
      .poll(
        async () => {
          job = (await (await api(`/api/v1/sync-jobs/${id}`)).json()) as SyncJob;
          return job.status;
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe('success');
    const sites = Object.fromEntries(job!.sites.map((site) => [site.site_slug, site]));
    expect(Object.keys(sites).sort()).toEqual(Object.keys(EXPECTED));
    for (const [slug, { items }] of Object.entries(EXPECTED)) {
      expect(sites[slug], slug).toMatchObject({
        status: 'success',
        attempts: 1,
        version: 1,
        item_count: items,
        response_code: 200,
      });
    }

    for (const [slug, { shows, hides }] of Object.entries(EXPECTED)) {
      const page = await fetch(`${landingUrl}/${slug}`);
      expect(page.status, slug).toBe(200);
      const html = await page.text();
      for (const wanted of shows) expect(html, slug).toContain(wanted);
      for (const unwanted of [...hides, 'Black Friday']) expect(html, slug).not.toContain(unwanted);
      expect([...html.matchAll(/data-item-id="/g)], slug).toHaveLength(sites[slug]!.item_count!);
    }
  });
});
