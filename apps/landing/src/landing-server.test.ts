import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLandingServer, type LandingServer, type LandingServerOptions } from './landing-server.js';
import { deliver, newSecret, offerItem } from './test-delivery.js';

let dataDir: string;
const running: LandingServer[] = [];
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'landing-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
  await rm(dataDir, { recursive: true, force: true });
});

async function start(options: Partial<LandingServerOptions> = {}): Promise<LandingServer> {
  const server = await startLandingServer({ port: 0, dataDir, ...options });
  running.push(server);
  return server;
}

const page = async (url: string) => (await fetch(url)).text();

describe('the landing server', () => {
  it('lists the three pages, each saying clearly that nothing was synced yet', async () => {
    const landing = await start();
    const index = await page(landing.url);
    for (const slug of ['facebook', 'google', 'instagram']) expect(index).toContain(`href="/${slug}"`);
    const response = await fetch(landing.pages.facebook);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await response.text();
    expect(html).toContain('Nothing synced yet');
    expect(html).not.toContain('Last synced');
  });

  it('shows what a delivery signed with a registered secret brought, with the time and version', async () => {
    const logged: string[] = [];
    const log = (fields: object, message: string) => logged.push(`${message} ${JSON.stringify(fields)}`);
    const landing = await start({ logger: { info: log, warn: log } });
    const secret = newSecret();
    expect((await deliver(`${landing.pages.google}/webhook`, secret)).status).toBe(401);
    // The log says why a webhook was refused (no secret registered yet), and never holds the secret.
    expect(logged.join('\n')).toMatch(/"status":401,"outcome":"unauthorized".*"reason":"No signing secret/);
    await landing.registerSecret('google', secret);
    const answer = await deliver(`${landing.pages.google}/webhook`, secret, {
      version: 4,
      items: [offerItem('Summer Sale', { discount_percent: 30 })],
    });
    expect(answer.status).toBe(200);
    const html = await page(landing.pages.google);
    expect(html).toContain('Summer Sale');
    expect(html).toMatch(/Last synced\s+<time datetime="[^"]+">[^<]+<\/time>\s*· version 4/);
    expect(html).toContain('<strong>30%</strong> off');
    expect(await page(landing.pages.facebook)).toContain('Nothing synced yet');
    expect(await page(landing.url)).toContain('version 4, 1 item<');
    expect(logged.join('\n')).not.toContain(secret.slice('whsec_'.length));
  });

  it('keeps organizations apart: each sending site has its own versions; the page shows the latest applied', async () => {
    const landing = await start();
    const [first, second] = [newSecret(), newSecret()];
    await landing.registerSecret('facebook', first);
    await landing.registerSecret('facebook', second);
    const hook = `${landing.pages.facebook}/webhook`;
    await deliver(hook, first, { siteId: 'org-1-site', version: 5, items: [offerItem('First org')] });
    expect(await page(landing.pages.facebook)).toContain('First org');
    // Version 1 of another organization's site is new content, not a stale version 1 < 5.
    const other = await deliver(hook, second, {
      siteId: 'org-2-site',
      version: 1,
      items: [offerItem('Second org')],
    });
    expect(other.status).toBe(200);
    const html = await page(landing.pages.facebook);
    expect(html).toContain('Second org');
    expect(html).not.toContain('First org');
    const stale = await deliver(hook, first, { siteId: 'org-1-site', version: 4, items: [offerItem('Old')] });
    expect(stale.status).toBe(409);
  });

  it('persists registered secrets (mode 0600) and synced content across a restart', async () => {
    const first = await start();
    const secret = newSecret();
    await first.registerSecret('instagram', secret);
    await deliver(`${first.pages.instagram}/webhook`, secret, { items: [offerItem('Survives restarts')] });
    await first.close();
    running.splice(running.indexOf(first), 1);
    expect((await stat(join(dataDir, 'secrets.json'))).mode & 0o777).toBe(0o600);

    const second = await start();
    expect(await page(second.pages.instagram)).toContain('Survives restarts');
    const next = await deliver(`${second.pages.instagram}/webhook`, secret, { version: 2 });
    expect(next.status).toBe(200);
  });

  it('accepts fixed secrets given at start-up, and refuses unknown pages and bad secrets at registration', async () => {
    const secret = newSecret();
    const landing = await start({ secrets: { facebook: [secret] } });
    expect((await deliver(`${landing.pages.facebook}/webhook`, secret)).status).toBe(200);
    await expect(landing.registerSecret('tiktok', newSecret())).rejects.toThrow(/Unknown landing page/);
    await expect(landing.registerSecret('google', 'whsec_')).rejects.toThrow(/Invalid signing secret/);
  });

  it('answers unknown paths 404 and wrong methods 405; the fault toggle is off unless enabled', async () => {
    const landing = await start();
    expect((await fetch(`${landing.url}/tiktok`)).status).toBe(404);
    expect((await fetch(`${landing.pages.facebook}/nope`)).status).toBe(404);
    expect((await fetch(`${landing.pages.facebook}/webhook`)).status).toBe(405);
    expect((await fetch(landing.pages.facebook, { method: 'POST' })).status).toBe(405);
    const faults = await fetch(`${landing.pages.facebook}/faults`, {
      method: 'POST',
      body: '{"fail_next":1}',
    });
    expect(faults.status).toBe(404);
  });
});

describe('the fault toggle (faults: true)', () => {
  it('fails the next N webhooks with 500, then accepts again', async () => {
    const landing = await start({ faults: true });
    const secret = newSecret();
    await landing.registerSecret('facebook', secret);
    const set = await fetch(`${landing.pages.facebook}/faults`, { method: 'POST', body: '{"fail_next":2}' });
    expect(await set.json()).toEqual({ fail_next: 2, delay_ms: 0 });
    const hook = `${landing.pages.facebook}/webhook`;
    const statuses = [];
    for (const version of [1, 2, 3]) statuses.push((await deliver(hook, secret, { version })).status);
    expect(statuses).toEqual([500, 500, 200]);
    expect(await (await fetch(`${landing.pages.facebook}/faults`)).json()).toEqual({
      fail_next: 0,
      delay_ms: 0,
    });
  });

  it('answers slowly when asked to, and refuses bad settings with 400', async () => {
    const landing = await start({ faults: true });
    const secret = newSecret();
    await landing.registerSecret('google', secret);
    await fetch(`${landing.pages.google}/faults`, { method: 'POST', body: '{"delay_ms":300}' });
    const started = performance.now();
    expect((await deliver(`${landing.pages.google}/webhook`, secret)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    for (const body of ['{"delay_ms":-1}', '{"fail_next":1.5}', '{"other":1}', 'nope']) {
      expect((await fetch(`${landing.pages.google}/faults`, { method: 'POST', body })).status).toBe(400);
    }
  });
});
