import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Site, SyncJobSummary } from '@datasync/contracts';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../apps/server/test/support/receivers.js';
import { ROOT, startFreshInstall, type FreshInstall } from './support/processes.js';

// Delivery operations in a real browser, against `npm start` (embedded PGlite in a fresh data folder): sites whose
// receiver fails, seen from the job page, the dashboard's "Needs attention", the site list and the site's page;
// a disabled site enabled again, a failing one redelivered until it is healthy; then an alert webhook channel, its
// secret shown once, and a signed test alert. The receivers are one node:http server of this test, its answer set
// per path; ALLOWED_DESTINATION_ORIGINS lets DataSync send to it on 127.0.0.1. Screenshots go to test-results/ui/.

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(ROOT, 'test-results', 'ui');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `e2e/delivery-operations.test.ts is SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium).`,
  );
}

const OWNER = { email: 'ops@example.com', password: 'correct horse battery' };

let receiver: Receiver;
/** What the receiver answers per path; 200 for a path not listed. */
const answers = new Map<string, number>();
let install: FreshInstall;
let browser: Browser;
let page: Page;
const siteIds: Record<'steady' | 'gone' | 'flaky', string> = { steady: '', gone: '', flaky: '' };

const shot = (name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `ops-${name}.png`), fullPage: true });

async function openNav(name: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(name);
}

/** The API as the signed-in browser calls it (its session cookie). */
function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ([method, path, body]) => {
      const response = await fetch(`/api/v1${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    [method, path, body] as const,
  );
}

async function createSite(slug: keyof typeof siteIds, name: string): Promise<void> {
  const created = await call<Site>('POST', '/sites', {
    name,
    slug,
    destination_url: `${receiver.origin}/${slug}`,
  });
  expect(created.status).toBe(201);
  siteIds[slug] = created.body.id;
}

const attention = () => page.getByRole('list', { name: 'Sites needing attention' }).locator(':scope > li');
const healthOf = (slug: keyof typeof siteIds) =>
  page
    .getByRole('list', { name: 'Sites' })
    .locator(':scope > li', { has: page.locator(`a[href="/sites/${siteIds[slug]}"]`) })
    .getByTestId('site-health')
    .getAttribute('data-health');
const counts = async () =>
  Object.fromEntries(
    await Promise.all(
      ['delivered', 'up_to_date', 'failed', 'superseded'].map(
        async (key) => [key, await page.getByTestId(`count-${key}`).textContent()] as const,
      ),
    ),
  );

describe.skipIf(!hasChromium)('delivery operations in the admin UI, end to end in Chromium', () => {
  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    receiver = await startReceiver((request) => ({ status: answers.get(request.path) ?? 200 }));
    install = await startFreshInstall({ ALLOWED_DESTINATION_ORIGINS: receiver.origin });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({
      baseURL: install.app.url,
      viewport: { width: 1280, height: 900 },
    });
    page = await context.newPage();
  }, 180_000);

  afterEach(async () => {
    if (page && (await page.locator('dialog[open]').count()) > 0) await page.reload();
  });

  afterAll(async () => {
    await browser?.close();
    await install?.stop();
    await receiver?.close();
  });

  it('signs up; two sites: one whose receiver accepts, one whose receiver answers 410 Gone', async () => {
    await page.goto('/signup');
    await page.getByLabel('Organization name').fill('Ops Org');
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => page.getByTestId('organization-name').textContent()).toBe('Ops Org');
    await createSite('steady', 'Steady shop');
    await createSite('gone', 'Gone shop');
    answers.set('/gone', 410);
    await page.reload();
    // Nothing was sent yet: no site needs attention.
    await page.getByText('All sites are healthy').waitFor();
    await shot('01-dashboard-healthy');
  });

  it('the job shows how its pass ended; the site that answered 410 is disabled and listed under Needs attention', async () => {
    await page.getByRole('button', { name: 'Run Sync' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByTestId('job-status').textContent()).toBe('partial');
    await expect.poll(counts).toEqual({ delivered: '1', up_to_date: '0', failed: '1', superseded: '0' });
    expect(await page.getByRole('button', { name: 'Retry failed sites' }).count()).toBe(1);
    const failed = page.getByRole('list', { name: 'Failed sites' }).locator(':scope > li');
    expect(await failed.count()).toBe(1);
    expect(await failed.first().getAttribute('data-site')).toBe('gone');
    expect(await failed.first().textContent()).toContain('Gone shop: HTTP 410');
    // 410 Gone disables the site: it does not retry on its own.
    await failed.getByRole('link', { name: /^disabled — see the site/ }).waitFor();
    await shot('02-job-partial');

    await openNav('Dashboard');
    await expect.poll(() => attention().count()).toBe(1);
    const gone = attention().first();
    expect(await gone.getAttribute('data-site')).toBe('gone');
    expect(await gone.getByTestId('site-health').getAttribute('data-health')).toBe('disabled');
    expect(await gone.getByTestId('site-health').textContent()).toContain('Disabled');
    expect(await gone.getByTestId('attention-reason').textContent()).toBe('The receiver answered 410 Gone.');
    expect(await gone.getByRole('button', { name: 'Enable Gone shop' }).count()).toBe(1);
    // A disabled site is sent nothing, so there is nothing to redeliver.
    expect(await gone.getByRole('button', { name: /^Redeliver/ }).count()).toBe(0);
    await shot('03-needs-attention-disabled');

    await openNav('Sites');
    await expect.poll(() => healthOf('steady')).toBe('healthy');
    expect(await healthOf('gone')).toBe('disabled');
    await shot('04-sites-badges');
  });

  it('enabling the site from its page, once its receiver accepts again, makes it healthy', async () => {
    await page.getByRole('link', { name: 'Gone shop' }).click();
    await page.waitForURL(`**/sites/${siteIds.gone}`);
    await expect.poll(() => page.getByTestId('site-health').getAttribute('data-health')).toBe('disabled');
    expect(await page.getByTestId('site-disabled-because').textContent()).toBe(
      'The receiver answered 410 Gone.',
    );
    answers.set('/gone', 200);
    page.once('dialog', (confirm) => void confirm.accept());
    await page.getByRole('button', { name: 'Enable Gone shop' }).click();
    await expect.poll(() => page.getByTestId('site-health').getAttribute('data-health')).toBe('healthy');
    await page.getByTestId('toast').filter({ hasText: 'Gone shop is enabled' }).waitFor();
    expect(await page.getByRole('button', { name: 'Disable Gone shop' }).count()).toBe(1);
    await shot('05-site-enabled');
  });

  it("the site's page lists its deliveries: the job's 410, then the send on enabling", async () => {
    const rows = page.getByRole('table', { name: 'Recent deliveries' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => rows.nth(0).getAttribute('data-status')).toBe('success');
    expect(await rows.nth(0).textContent()).toContain('Sent on enabling');
    expect(await rows.nth(1).getAttribute('data-status')).toBe('failed');
    expect(await rows.nth(1).textContent()).toContain('HTTP 410');
    await rows.nth(1).getByRole('link', { name: /^Job / }).waitFor();
    expect(receiver.requests.filter((request) => request.path === '/gone').length).toBe(2);
    await shot('06-site-deliveries');
  });

  it('a receiver that answers 500: the job fails, the site is failing and retries on its own', async () => {
    await createSite('flaky', 'Flaky shop');
    answers.set('/flaky', 500);
    const started = await call<SyncJobSummary>('POST', '/sync-jobs', { site_ids: [siteIds.flaky] });
    expect(started.status).toBe(202);
    await page.goto(`/jobs/${started.body.id}`);
    // One pass: the first attempt and its quick retries, then the job ends and the site retries on its own.
    await expect.poll(() => page.getByTestId('job-status').textContent()).toBe('failed');
    await expect.poll(counts).toEqual({ delivered: '0', up_to_date: '0', failed: '1', superseded: '0' });
    expect(await page.getByRole('button', { name: 'Retry failed sites' }).count()).toBe(1);
    const failed = page.getByRole('list', { name: 'Failed sites' }).locator(':scope > li');
    expect(await failed.textContent()).toContain('Flaky shop: HTTP 500');
    await failed.getByRole('link', { name: /^retries on its own — see the site/ }).waitFor();
    await shot('07-job-failed');

    await openNav('Dashboard');
    await expect.poll(() => attention().count()).toBe(1);
    const flaky = attention().first();
    expect(await flaky.getAttribute('data-site')).toBe('flaky');
    expect(await flaky.getByTestId('site-health').getAttribute('data-health')).toBe('failing');
    expect(await flaky.getByTestId('site-health').textContent()).toContain('Failing');
    expect(await flaky.getByTestId('attention-reason').textContent()).toBe('HTTP 500');
    expect(await flaky.textContent()).toMatch(/Failing since (just now|\d+ s ago)/);
    expect(await flaky.getByRole('button', { name: 'Redeliver Flaky shop' }).count()).toBe(1);
    await shot('08-needs-attention-failing');

    await openNav('Sites');
    const sites = page.getByRole('list', { name: 'Sites' }).locator(':scope > li');
    const filters = page.getByRole('group', { name: 'Filter by health' });
    await filters.getByRole('button', { name: 'Failing' }).click();
    await page.waitForURL('**/sites?health=failing');
    await expect.poll(() => sites.count()).toBe(1);
    expect(await healthOf('flaky')).toBe('failing');
    await shot('09-sites-failing');
    await filters.getByRole('button', { name: 'Disabled' }).click();
    await page.getByText('No site is disabled.').waitFor();
    await filters.getByRole('button', { name: 'All' }).click();
    await expect.poll(() => sites.count()).toBe(3);
  });

  it('Redeliver on the site page, once the receiver accepts, turns the badge healthy without a reload', async () => {
    // Past the first durable retry (seconds after the job), the next one is minutes away: the redelivery below is
    // then the send that reaches the receiver once it accepts.
    await expect
      .poll(
        async () => {
          const site = (await call<Site>('GET', `/sites/${siteIds.flaky}`)).body;
          return site.next_attempt_at !== null && Date.parse(site.next_attempt_at) - Date.now() > 60_000;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    await page.goto(`/sites/${siteIds.flaky}`);
    await expect.poll(() => page.getByTestId('site-health').getAttribute('data-health')).toBe('failing');
    expect(await page.getByTestId('site-last-error').textContent()).toBe('HTTP 500');
    expect(await page.getByTestId('site-next-attempt').textContent()).toMatch(/^in \d+ min$/);
    await shot('10-site-failing');

    answers.set('/flaky', 200);
    const sentBefore = receiver.requests.filter((request) => request.path === '/flaky').length;
    await page.getByRole('button', { name: 'Redeliver Flaky shop' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Version 1 is being sent to Flaky shop' }).waitFor();
    await expect.poll(() => page.getByTestId('site-health').getAttribute('data-health')).toBe('healthy');
    const rows = page.getByRole('table', { name: 'Recent deliveries' }).locator('tbody tr');
    await expect.poll(() => rows.nth(0).getAttribute('data-status')).toBe('success');
    expect(await rows.nth(0).textContent()).toContain('Redelivery');
    // The redelivery, accepted at its first attempt: the next durable retry was minutes away.
    expect(receiver.requests.filter((request) => request.path === '/flaky').length).toBe(sentBefore + 1);
    await shot('11-site-recovered');

    await openNav('Dashboard');
    await page.getByText('All sites are healthy').waitFor();
  });

  it('alert settings: a webhook channel shows its secret once, and its test alert arrives signed', async () => {
    await openNav('Alerts');
    await page.getByText('No channels yet.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Add channel' }).click();
    const form = page.getByRole('dialog', { name: 'Add alert channel' });
    await form.getByLabel('Webhook URL').fill('not a url');
    await form.getByRole('button', { name: 'Add channel' }).click();
    // The problem's error for /url, under the field it is about.
    await expect.poll(() => form.getByLabel('Webhook URL').getAttribute('aria-invalid')).toBe('true');
    await shot('12-alert-channel-invalid');

    const url = `${receiver.origin}/alerts`;
    await form.getByLabel('Webhook URL').fill(url);
    await form.getByRole('button', { name: 'Add channel' }).click();
    const secretDialog = page.getByRole('dialog', { name: 'Signing secret of the alert webhook' });
    const secret = (await secretDialog.getByTestId('signing-secret').textContent())!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    await shot('13-alert-channel-secret');
    await secretDialog.getByRole('button', { name: 'I have stored it' }).click();
    const channels = page.getByRole('list', { name: 'Alert channels' }).locator(':scope > li');
    await expect.poll(() => channels.count()).toBe(1);
    expect(await channels.first().textContent()).toContain(url);
    expect(await page.locator('body').innerText()).not.toContain(secret);

    const before = receiver.requests.filter((request) => request.path === '/alerts').length;
    await page.getByRole('button', { name: `Send test to ${url}` }).click();
    await expect
      .poll(() => channels.first().getByTestId('test-result').textContent())
      .toBe('Delivered (200)');
    const sent = receiver.requests.filter((request) => request.path === '/alerts').slice(before);
    expect(sent.length).toBe(1);
    const headers = Object.fromEntries(
      Object.entries(sent[0]!.headers).map(([name, value]) => [name, String(value)]),
    );
    expect(new Webhook(secret).verify(sent[0]!.body, headers)).toMatchObject({ type: 'test' });

    const alerts = page.getByRole('table', { name: 'Recent alerts' }).locator('tbody tr');
    await expect.poll(() => alerts.first().getAttribute('data-type')).toBe('test');
    expect(await alerts.first().textContent()).toContain('Delivered');
    await shot('14-alerts');
  });
});
