import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AlertBody, Me, Site, SyncJobSummary } from '@datasync/contracts';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type ReceivedRequest, type Receiver } from '../apps/server/test/support/receivers.js';
import { ROOT, startFreshInstall, type FreshInstall } from './support/processes.js';

// Delivery operations in a real browser, against `npm start` (embedded PGlite in a fresh data folder, or a new
// PostgreSQL database with E2E_DATABASE_URL): sites whose receiver fails, seen from the job page, the dashboard's
// "Needs attention", the site list and the site's page; a disabled site enabled again; an alert webhook channel,
// its secret shown once, and a signed test alert; then a failing site redelivered until it is healthy, while the
// channel receives the alerts that raises, and the alerts list shows every alert of the run. The receivers are one
// node:http server of this test, its answer set per path; ALLOWED_DESTINATION_ORIGINS lets DataSync send to it on
// 127.0.0.1. Screenshots go to test-results/ui/.

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
const jobIds: Record<'gone' | 'flaky', string> = { gone: '', flaky: '' };
/** The alert webhook channel: where it sends and its signing secret. */
const channel = { url: '', secret: '' };
const organization = { id: '', slug: '', name: 'Ops Org' };

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

const headersOf = (request: ReceivedRequest) =>
  Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
/** The alerts the channel's receiver got, each verified with the channel's secret, in the order they arrived. */
const alertsReceived = () =>
  receiver.requests
    .filter((request) => request.path === '/alerts')
    .map((request) => new Webhook(channel.secret).verify(request.body, headersOf(request)) as AlertBody);

/** What a channel gets for an alert about a site. */
const siteAlert = (
  type: 'site.failing' | 'site.recovered',
  slug: keyof typeof siteIds,
  name: string,
  lastError: string | null,
): AlertBody => ({
  type,
  timestamp: expect.any(String) as string,
  organization,
  site: { id: siteIds[slug], slug, name },
  job: null,
  last_error: lastError,
  link: `${install.app.url}/sites/${siteIds[slug]}`,
});

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
    const me = await call<Me>('GET', '/me');
    expect(me.status).toBe(200);
    Object.assign(organization, { id: me.body.organization.id, slug: me.body.organization.slug });
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
    jobIds.gone = new URL(page.url()).pathname.split('/').at(-1)!;
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

  it('alert settings: a webhook channel shows its secret once, and its test alert arrives signed', async () => {
    await openNav('Alerts');
    await page.getByText('No channels yet.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Add channel' }).click();
    const form = page.getByRole('dialog', { name: 'Add alert channel' });
    await form.getByLabel('Webhook URL').fill('not a url');
    await form.getByRole('button', { name: 'Add channel' }).click();
    // The problem's error for /url, under the field it is about.
    await expect.poll(() => form.getByLabel('Webhook URL').getAttribute('aria-invalid')).toBe('true');
    await shot('07-alert-channel-invalid');

    const url = `${receiver.origin}/alerts`;
    await form.getByLabel('Webhook URL').fill(url);
    await form.getByRole('button', { name: 'Add channel' }).click();
    const secretDialog = page.getByRole('dialog', { name: 'Signing secret of the alert webhook' });
    const secret = (await secretDialog.getByTestId('signing-secret').textContent())!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    await shot('08-alert-channel-secret');
    Object.assign(channel, { url, secret });
    await secretDialog.getByRole('button', { name: 'I have stored it' }).click();
    const channels = page.getByRole('list', { name: 'Alert channels' }).locator(':scope > li');
    await expect.poll(() => channels.count()).toBe(1);
    expect(await channels.first().textContent()).toContain(url);
    expect(await page.locator('body').innerText()).not.toContain(secret);

    // The alerts raised so far (by the 410) were raised with no channel: nothing was sent for them.
    expect(alertsReceived()).toEqual([]);
    await page.getByRole('button', { name: `Send test to ${url}` }).click();
    await expect
      .poll(() => channels.first().getByTestId('test-result').textContent())
      .toBe('Delivered (200)');
    expect(alertsReceived()).toEqual([
      {
        type: 'test',
        timestamp: expect.any(String),
        organization,
        site: null,
        job: null,
        last_error: null,
        link: `${install.app.url}/alerts`,
      },
    ]);

    const alerts = page.getByRole('table', { name: 'Recent alerts' }).locator('tbody tr');
    await expect.poll(() => alerts.first().getAttribute('data-type')).toBe('test');
    expect(await alerts.first().textContent()).toContain('Delivered');
    await shot('09-alert-test');
  });

  it('a receiver that answers 500: the job fails, the site is failing and retries on its own', async () => {
    await createSite('flaky', 'Flaky shop');
    answers.set('/flaky', 500);
    const started = await call<SyncJobSummary>('POST', '/sync-jobs', { site_ids: [siteIds.flaky] });
    expect(started.status).toBe(202);
    jobIds.flaky = started.body.id;
    await page.goto(`/jobs/${started.body.id}`);
    // One pass: the first attempt and its quick retries, then the job ends and the site retries on its own.
    await expect.poll(() => page.getByTestId('job-status').textContent()).toBe('failed');
    await expect.poll(counts).toEqual({ delivered: '0', up_to_date: '0', failed: '1', superseded: '0' });
    expect(await page.getByRole('button', { name: 'Retry failed sites' }).count()).toBe(1);
    const failed = page.getByRole('list', { name: 'Failed sites' }).locator(':scope > li');
    expect(await failed.textContent()).toContain('Flaky shop: HTTP 500');
    await failed.getByRole('link', { name: /^retries on its own — see the site/ }).waitFor();
    await shot('10-job-failed');

    // The channel hears of both, each signed: the site started failing, and the job failed. The two sends are
    // queue jobs of their own: they may arrive in either order.
    await expect.poll(() => alertsReceived().length).toBe(3);
    expect(alertsReceived()[0]!.type).toBe('test');
    expect(
      alertsReceived()
        .slice(1)
        .sort((a, b) => a.type.localeCompare(b.type)),
    ).toEqual([
      siteAlert('site.failing', 'flaky', 'Flaky shop', 'HTTP 500'),
      {
        type: 'sync.failed',
        timestamp: expect.any(String),
        organization,
        site: null,
        job: {
          id: jobIds.flaky,
          status: 'failed',
          failed_sites: [{ id: siteIds.flaky, slug: 'flaky', name: 'Flaky shop', error: 'HTTP 500' }],
        },
        last_error: 'HTTP 500',
        link: `${install.app.url}/jobs/${jobIds.flaky}`,
      },
    ]);

    await openNav('Dashboard');
    await expect.poll(() => attention().count()).toBe(1);
    const flaky = attention().first();
    expect(await flaky.getAttribute('data-site')).toBe('flaky');
    expect(await flaky.getByTestId('site-health').getAttribute('data-health')).toBe('failing');
    expect(await flaky.getByTestId('site-health').textContent()).toContain('Failing');
    expect(await flaky.getByTestId('attention-reason').textContent()).toBe('HTTP 500');
    expect(await flaky.textContent()).toMatch(/Failing since (just now|\d+ s ago)/);
    expect(await flaky.getByRole('button', { name: 'Redeliver Flaky shop' }).count()).toBe(1);
    await shot('11-needs-attention-failing');

    await openNav('Sites');
    const sites = page.getByRole('list', { name: 'Sites' }).locator(':scope > li');
    const filters = page.getByRole('group', { name: 'Filter by health' });
    await filters.getByRole('button', { name: 'Failing' }).click();
    await page.waitForURL('**/sites?health=failing');
    await expect.poll(() => sites.count()).toBe(1);
    expect(await healthOf('flaky')).toBe('failing');
    await shot('12-sites-failing');
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
    await shot('13-site-failing');

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
    await shot('14-site-recovered');
    // Its durable retries that failed raised nothing; the accepted redelivery raised site.recovered.
    await expect.poll(() => alertsReceived().length).toBe(4);
    expect(alertsReceived()[3]).toEqual(siteAlert('site.recovered', 'flaky', 'Flaky shop', null));

    await openNav('Dashboard');
    await page.getByText('All sites are healthy').waitFor();
  });

  it('the alerts list shows every alert of the run, newest first, and how the channel took each', async () => {
    await openNav('Alerts');
    const rows = page.getByRole('table', { name: 'Recent alerts' }).locator('tbody tr');
    const read = () =>
      rows.evaluateAll((trs) =>
        trs.map((tr) => {
          // As rendered, line breaks as spaces.
          const cells = Array.from(tr.querySelectorAll('td'), (td) =>
            td.innerText.replace(/\s+/g, ' ').trim(),
          );
          return { type: tr.getAttribute('data-type'), about: cells[1], error: cells[2], sends: cells[4] };
        }),
      );
    const job = (id: string, failed: string) => `Job ${id.slice(0, 8)} 1 site(s) failed: ${failed}`;
    const delivered = 'Webhook: Delivered (200)';
    // Newest first. Enabling the site that answered 410 started its health afresh: its accepted send raised no
    // site.recovered. Alerts raised in one transaction share their time: within such a group the order is the ids',
    // so each group is compared as a set.
    const groups = [
      [{ type: 'site.recovered', about: 'Flaky shop', error: '—', sends: delivered }],
      [
        { type: 'site.failing', about: 'Flaky shop', error: 'HTTP 500', sends: delivered },
        { type: 'sync.failed', about: job(jobIds.flaky, 'Flaky shop'), error: 'HTTP 500', sends: delivered },
      ],
      [{ type: 'test', about: '—', error: '—', sends: delivered }],
      [
        { type: 'site.disabled', about: 'Gone shop', error: 'HTTP 410', sends: 'no channel' },
        { type: 'site.failing', about: 'Gone shop', error: 'HTTP 410', sends: 'no channel' },
        { type: 'sync.failed', about: job(jobIds.gone, 'Gone shop'), error: 'HTTP 410', sends: 'no channel' },
      ],
    ];
    const byType = <T extends { type: string | null }>(list: T[]) =>
      [...list].sort((a, b) => (a.type ?? '').localeCompare(b.type ?? ''));
    const grouped = async () => {
      const all = await read();
      let at = 0;
      return groups.map((group) => byType(all.slice(at, (at += group.length))));
    };
    await expect.poll(read).toHaveLength(7);
    await expect.poll(grouped).toEqual(groups.map(byType));
    await shot('15-alerts');
  });

  it('the server answered no request with a 5xx and logged no error all along', () => {
    const lines = install.app.output().split('\n');
    const responses = lines.filter((line) => line.includes('"statusCode":'));
    // The log does hold the responses (the UI polls, so their number varies): the checks below look at something.
    expect(responses.length).toBeGreaterThanOrEqual(100);
    expect(responses.filter((line) => /"statusCode":5\d\d/.test(line))).toEqual([]);
    expect(lines.filter((line) => /"level":(50|60)\b/.test(line))).toEqual([]);
  });
});
