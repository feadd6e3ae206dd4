import type { SyncJob } from '@datasync/contracts';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoLanding, type RunningLanding } from '../src/demo/demo-landing-server.js';
import { loadDemoData } from './support/demo.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { signUp, type SignedInUser } from './support/users.js';

// The whole demo as `npm start` runs it: DataSync with its worker, the real landing pages on 127.0.0.1 wired the way
// main.ts wires them (the demo hands each new site's secret to its page), sign-up → load demo → sync → each page
// fetched over HTTP shows exactly what its mappings say.

const SLUGS = ['facebook', 'google', 'instagram'] as const;
type Slug = (typeof SLUGS)[number];

let dataDir: string;
let landing: RunningLanding;
let t: TestApp;
let owner: SignedInUser;
let demo: Awaited<ReturnType<typeof loadDemoData>>;
const landingLog: string[] = [];
const captureLog = {
  info: (fields: object, message: string) => landingLog.push(`${message} ${JSON.stringify(fields)}`),
  warn: (fields: object, message: string) => landingLog.push(`${message} ${JSON.stringify(fields)}`),
};
const landingConfig = () => ({
  host: '127.0.0.1',
  port: 0,
  publicUrl: 'http://127.0.0.1:3000',
  dataDir,
  landingPort: landing?.server.port ?? 0,
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'landing-demo-'));
  landing = (await startDemoLanding(landingConfig(), {}, captureLog))!;
  t = await createTestApp(
    { allowedDestinationOrigins: [landing.server.url] },
    {
      worker: true,
      delivery: { quickRetryDelaysMs: [10, 20], timeoutMs: 5_000 },
      demoLanding: landing.demo,
    },
  );
  owner = await signUp(t.app, { organization: 'Landing Demo Org' });
});
afterAll(async () => {
  await t?.close();
  await landing?.server.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function runSync(payload: Record<string, unknown> = {}): Promise<SyncJob> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/sync-jobs',
    headers: owner.headers,
    payload,
  });
  expect(created.statusCode).toBe(202);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sync-jobs/${created.json().id}`,
      headers: owner.headers,
    });
    const job: SyncJob = response.json();
    if (['success', 'partial', 'failed'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`the sync job did not finish: ${response.body}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const page = async (slug: Slug) => {
  const response = await fetch(landing.server.pages[slug]);
  expect(response.status).toBe(200);
  return response.text();
};
const itemIdsOn = (html: string) => [...html.matchAll(/data-item-id="([^"]+)"/g)].map((match) => match[1]);
/** The rendered article of one item, to check what it shows. */
const articleOf = (html: string, itemId: string) => {
  const start = html.indexOf(`data-item-id="${itemId}"`);
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</article>', start));
};

const A_HEADLINE = 'Summer Sale: 30% off everything';
const B_HEADLINE = 'Free shipping on orders over $50';
const C_HERO = 'Acme Downtown is open';
const D_HEADLINE = 'Black Friday starts early';

describe('the demo landing pages, end to end', () => {
  it('say that nothing was synced before the demo is loaded', async () => {
    for (const slug of SLUGS) expect(await page(slug)).toContain('Nothing synced yet');
  });

  it('loading the demo points each site at its page and hands the page the site secret (kept 0600)', async () => {
    demo = await loadDemoData(t.app, t.database.db, owner.headers);
    const sites = await t.app.inject({ method: 'GET', url: '/api/v1/sites', headers: owner.headers });
    const bySlug = new Map<string, { destination_url: string; public_url: string | null }>(
      (sites.json().items as { slug: string; destination_url: string; public_url: string | null }[]).map(
        (site) => [site.slug, site],
      ),
    );
    for (const slug of SLUGS) {
      expect(bySlug.get(slug)).toMatchObject({
        destination_url: `${landing.server.pages[slug]}/webhook`,
        public_url: landing.server.pages[slug],
      });
    }
    const registry = join(dataDir, 'landing', 'secrets.json'); // <DATA_DIR>/landing, as with npm start
    expect((await stat(registry)).mode & 0o777).toBe(0o600);
    const registered = JSON.parse(await readFile(registry, 'utf8')) as Record<Slug, string[]>;
    for (const site of demo.result.sites) {
      expect(registered[site.slug as Slug]).toEqual([site.signing_secret]);
    }
  });

  it('after a sync, each page shows exactly its mapped items; the draft is nowhere', async () => {
    const job = await runSync();
    expect(job.status).toBe('success');
    expect(job.sites.map((site) => [site.site_slug, site.status, site.response_code])).toEqual([
      ['facebook', 'success', 200],
      ['google', 'success', 200],
      ['instagram', 'success', 200],
    ]);
    const { A, B, C } = demo.itemIds;
    const [facebook, google, instagram] = await Promise.all(SLUGS.map(page));

    // Facebook: A as-is, B with Facebook's own call to action and badge.
    expect(itemIdsOn(facebook!)).toEqual([A, B]);
    expect(articleOf(facebook!, A)).toContain(A_HEADLINE);
    expect(articleOf(facebook!, A)).toContain('Shop the sale');
    const overridden = articleOf(facebook!, B);
    expect(overridden).toContain('data-mode="override"');
    expect(overridden).toContain(B_HEADLINE);
    expect(overridden).toContain('Claim on Facebook');
    expect(overridden).toContain('>Bestseller<');
    expect(overridden).not.toContain('Start shopping');
    expect(facebook).toMatch(/class="wordmark"[^>]*>facebook</);

    // Google: C only, a landing page with its hero, offer, location and testimonial.
    expect(itemIdsOn(google!)).toEqual([C]);
    expect(google).toContain(C_HERO);
    expect(google).toContain('<strong>Opening week:</strong>');
    expect(google).toContain('120 Market Street, Springfield');
    expect(google).toContain('<cite>Jamie R.</cite>');
    expect(google).not.toContain(A_HEADLINE);
    expect(google).toContain('<span style="color:#4285f4">G</span>');

    // Instagram: A, B (as-is: no Facebook override) and C.
    expect(itemIdsOn(instagram!)).toEqual([A, B, C]);
    expect(articleOf(instagram!, B)).toContain('Start shopping');
    expect(instagram).not.toContain('Claim on Facebook');
    expect(instagram).toContain('>Instagram</span');

    for (const html of [facebook!, google!, instagram!]) {
      expect(html).not.toContain(D_HEADLINE);
      expect(html).not.toContain(demo.itemIds.D);
      expect(html).toMatch(/Last synced\s+<time datetime="[^"]+">[^<]+ UTC<\/time>\s*· version 1 /);
      expect(html).not.toContain('Nothing synced yet');
    }
  });

  it('a restarted landing server still verifies: a forced sync brings version 2 to every page', async () => {
    const port = landing.server.port;
    await landing.server.close();
    landing = (await startDemoLanding({ ...landingConfig(), landingPort: port }, {}, captureLog))!;
    // Content survived the restart before any new delivery.
    expect(itemIdsOn(await page('google'))).toEqual([demo.itemIds.C]);

    const job = await runSync({ force: true });
    expect(job.status).toBe('success');
    expect(job.sites.map((site) => site.version)).toEqual([2, 2, 2]);
    for (const slug of SLUGS) expect(await page(slug)).toMatch(/· version 2 /);
  });

  it('never logged a signing secret', () => {
    expect(landingLog.some((line) => line.includes('landing page received a webhook'))).toBe(true);
    const secrets = demo.result.sites.map((site) => site.signing_secret!);
    for (const line of landingLog) {
      for (const secret of secrets) expect(line).not.toContain(secret.slice('whsec_'.length));
    }
  });
});
