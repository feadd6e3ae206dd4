import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCuttingProxy } from './support/cutting-proxy.js';
import { ROOT, startFreshInstall, type FreshInstall, type NpmStart } from './support/processes.js';

// The 5-minute demo in a real browser, against the processes `npm start` runs (it builds the UI, then serves
// DataSync with its worker and the three demo landing pages; embedded PGlite in a fresh data folder): sign up → load
// the demo → content → mappings → run a sync and watch its log stream → the landing pages → the job's log and a
// payload copied to the clipboard. Then a viewer, invited through the UI, sees no edit controls.
// Screenshots go to test-results/ui/.

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(ROOT, 'test-results', 'ui');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`e2e/admin-ui.test.ts is SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

const OWNER = { email: 'owner@example.com', password: 'correct horse battery' };
const VIEWER = { email: 'viewer@example.com', password: 'correct horse battery' };
const TITLES = {
  A: 'Summer Sale: 30% off everything',
  B: 'Free shipping on orders over $50',
  C: 'Acme Downtown: grand opening',
  D: 'Black Friday preview (draft)',
};

let install: FreshInstall;
let app: NpmStart;
let landingUrl: string;
let browser: Browser;
let owner: BrowserContext;
let page: Page;
let jobPath: string;

const shot = (name: string, on: Page = page) =>
  on.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

async function openNav(on: Page, name: string) {
  await on.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
  await expect.poll(() => on.getByRole('heading', { level: 1 }).textContent()).toBe(name);
}

describe.skipIf(!hasChromium)('the admin UI, end to end in Chromium (the 5-minute demo)', () => {
  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    install = await startFreshInstall({ LANDING_FAULTS: '1' });
    ({ app, landingUrl } = install);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    owner = await browser.newContext({ baseURL: app.url, viewport: { width: 1280, height: 900 } });
    await owner.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    page = await owner.newPage();
  }, 180_000);

  // A test that fails with a dialog open would leave it over the page for the next ones.
  afterEach(async () => {
    if (page && (await page.locator('dialog[open]').count()) > 0) await page.reload();
  });

  afterAll(async () => {
    await browser?.close();
    await install?.stop();
  });

  it('sends a signed-out visitor to log in; sign-up creates the organization and shows it with the role', async () => {
    await page.goto('/content');
    await page.waitForURL('**/login');
    await shot('01-login');
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.getByLabel('Organization name').fill('E2E Org');
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => page.getByTestId('organization-name').textContent()).toBe('E2E Org');
    expect(await page.getByTestId('role').textContent()).toBe('owner');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
  });

  it('logs out and back in', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/login');
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByTestId('organization-name').textContent()).toBe('E2E Org');
  });

  it('loads the demo data from the empty dashboard', async () => {
    await shot('02-dashboard-empty');
    await page.getByRole('button', { name: 'Load Demo Data' }).click();
    await expect.poll(() => page.getByTestId('organization-name').textContent()).toBe('Acme Holdings');
    await expect.poll(() => page.getByTestId('published-count').textContent()).toBe('3');
    expect(await page.getByTestId('draft-count').textContent()).toBe('1');
    expect(await page.getByRole('button', { name: 'Load Demo Data' }).count()).toBe(0);
    await shot('03-dashboard-demo');
  });

  it('Content shows the 4 items: 3 published, 1 draft; the status filter and the schema form work', async () => {
    await openNav(page, 'Content');
    const rows = page.getByRole('table', { name: 'Content items' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await rows.locator('xpath=self::*[@data-status="published"]').count()).toBe(3);
    const draft = rows.locator('xpath=self::*[@data-status="draft"]');
    expect(await draft.count()).toBe(1);
    expect(await draft.textContent()).toContain(TITLES.D);
    await shot('04-content');

    await page.getByLabel('Status').selectOption('draft');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(TITLES.D);
    await page.getByLabel('Status').selectOption('');
    await expect.poll(() => rows.count()).toBe(4);

    // The form is generated from the schema; a value the schema refuses comes back inline from the server.
    await page.getByRole('button', { name: `Edit ${TITLES.D}` }).click();
    const dialog = page.getByRole('dialog', { name: `Edit ${TITLES.D}` });
    expect(await dialog.getByLabel('Headline *').inputValue()).toBe('Black Friday starts early');
    expect(await dialog.getByLabel('Button text *').inputValue()).toBe('Get notified');
    await dialog.getByLabel('Link *').fill('not a url');
    await dialog.getByRole('button', { name: 'Save item' }).click();
    await dialog.getByText('must match format "uri"', { exact: true }).waitFor();
    expect(await dialog.getByLabel('Link *').getAttribute('aria-invalid')).toBe('true');
    await shot('05-content-validation');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // The schema editor: the field list and the raw JSON of the same schema.
    await page.getByRole('button', { name: 'Edit schema of Offer banner' }).click();
    const typeDialog = page.getByRole('dialog', { name: 'Edit Offer banner' });
    expect(await typeDialog.getByLabel('Kind of valid_until').inputValue()).toBe('date');
    expect(await typeDialog.getByLabel('headline is required', { exact: true }).isChecked()).toBe(true);
    // A new optional field, saved through the field editor; existing items still satisfy the schema.
    await typeDialog.getByRole('button', { name: 'Add field' }).click();
    const added = typeDialog.getByRole('table', { name: 'Fields' }).locator('tbody tr').last();
    await added.getByLabel(/^Property name/).fill('promo_code');
    await added.getByLabel('Label of promo_code').fill('Promo code');
    await typeDialog.getByRole('button', { name: 'Save content type' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

    await page.getByRole('button', { name: 'Edit schema of Offer banner' }).click();
    await typeDialog.getByRole('tab', { name: 'Raw JSON' }).click();
    const schema = JSON.parse(await typeDialog.getByLabel('JSON Schema').inputValue());
    expect(schema.properties.badge.enum).toEqual(['new', 'limited', 'bestseller']);
    expect(schema.properties.promo_code).toEqual({ type: 'string', title: 'Promo code' });
    expect(schema.required).toEqual(expect.arrayContaining(['headline', 'cta']));
    expect(schema.required).not.toContain('promo_code');
    expect(schema['x-ui'].order.at(-1)).toBe('promo_code');
    expect([...schema['x-ui'].order].sort()).toEqual(Object.keys(schema.properties).sort());
    await shot('06-content-type-editor');
    await typeDialog.getByRole('button', { name: 'Cancel' }).click();

    // Item forms follow the saved order: the new field comes last.
    await page.getByRole('button', { name: `Edit ${TITLES.A}` }).click();
    const labels = await page
      .getByRole('dialog', { name: `Edit ${TITLES.A}` })
      .locator('label')
      .allTextContents();
    expect(labels.at(-1)).toBe('Promo code');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it('Mappings shows the matrix with every mode', async () => {
    await openNav(page, 'Mappings');
    const matrix = page.getByRole('table', { name: 'Mappings matrix' });
    await matrix.waitFor();
    const cell = (item: string, site: string, mode: string) =>
      matrix.getByRole('button', { name: `${item} on ${site}: ${mode}`, exact: true });
    expect(await cell(TITLES.A, 'Facebook Campaign', 'full').count()).toBe(1);
    expect(await cell(TITLES.B, 'Facebook Campaign', 'override').count()).toBe(1);
    expect(await cell(TITLES.A, 'Google Campaign', 'block').count()).toBe(1);
    expect(await cell(TITLES.C, 'Facebook Campaign', 'none').count()).toBe(1);
    expect(await cell(TITLES.D, 'Instagram Campaign', 'full').count()).toBe(1);
    expect(await matrix.locator('[data-mode]').count()).toBe(12);

    // The override editor validates the merged data against the schema on the server.
    await cell(TITLES.B, 'Facebook Campaign', 'override').click();
    const editor = page.getByRole('dialog', { name: `${TITLES.B} on Facebook Campaign` });
    const overrides = JSON.parse(await editor.getByLabel('Overrides (JSON Merge Patch)').inputValue());
    expect(overrides).toEqual({ cta: { text: 'Claim on Facebook' }, badge: 'bestseller' });
    await editor.getByLabel('Overrides (JSON Merge Patch)').fill('{"badge": "hot"}');
    await editor.getByRole('button', { name: 'Save mapping' }).click();
    await editor.getByRole('list', { name: 'Override errors' }).getByText('/overrides/badge').waitFor();
    await shot('07-mappings-override-error');
    await editor.getByRole('button', { name: 'Cancel' }).click();

    // A cell's mode changes through the same editor: none → block (a mapping is created), then back to none (it is
    // deleted). Neither sends Acme Downtown to Facebook, so the sync below is unaffected.
    for (const [from, to] of [
      ['none', 'block'],
      ['block', 'none'],
    ] as const) {
      await cell(TITLES.C, 'Facebook Campaign', from).click();
      const dialog = page.getByRole('dialog', { name: `${TITLES.C} on Facebook Campaign` });
      await dialog.getByRole('radio', { name: new RegExp(`^${to} `) }).check();
      await dialog.getByRole('button', { name: 'Save mapping' }).click();
      await cell(TITLES.C, 'Facebook Campaign', to).waitFor();
      await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    }
    await shot('08-mappings');
  });

  it('Run Sync: the log streams live, the Facebook retry shows, and the job ends in success', async () => {
    // Facebook fails its next webhook once (a retry to watch); Google answers slowly, so the job runs for a while.
    for (const [slug, fault] of [
      ['facebook', { fail_next: 1 }],
      ['google', { delay_ms: 2500 }],
    ] as const) {
      const response = await fetch(`${landingUrl}/${slug}/faults`, {
        method: 'POST',
        body: JSON.stringify(fault),
      });
      expect(response.status).toBe(200);
    }
    await openNav(page, 'Dashboard');
    await page.getByRole('button', { name: 'Run Sync' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    jobPath = new URL(page.url()).pathname;

    const live = page.getByRole('status').filter({ hasText: 'LIVE STREAMING' });
    await live.waitFor({ timeout: 10_000 });
    const log = page.getByRole('list', { name: 'Job log' });
    await log.getByText('queued', { exact: false }).first().waitFor();
    // Streaming: lines are on screen while the job is still running, before its last line.
    expect(await log.textContent()).not.toContain('Sync success');
    await shot('09-job-live');

    await expect
      .poll(() => page.getByTestId('job-status').textContent(), { timeout: 30_000 })
      .toBe('success');
    await log.getByText('Sync success: 3 delivered').waitFor();
    expect(await live.count()).toBe(0);
    const facebook = page.getByRole('table', { name: 'Deliveries' }).locator('tr[data-site="facebook"]');
    expect(await facebook.textContent()).toContain('2 attempts');
    // One warning: Facebook's first attempt failed and its quick retry succeeded.
    expect(await log.locator('li[data-level="warn"]').allTextContents()).toEqual([
      expect.stringContaining('facebook: attempt 1 failed'),
    ]);
    await shot('10-job-done');
    await fetch(`${landingUrl}/google/faults`, { method: 'POST', body: JSON.stringify({ delay_ms: 0 }) });
  });

  it('each landing page shows its mapped content and when it was last synced', async () => {
    const expected = {
      facebook: { shows: [TITLES.A.split(':')[0]!, 'Claim on Facebook'], hides: ['Acme Downtown is open'] },
      google: { shows: ['Acme Downtown is open'], hides: ['Summer Sale'] },
      instagram: {
        shows: ['Summer Sale', 'Free shipping on orders over $50', 'Acme Downtown is open'],
        hides: [],
      },
    };
    const landing = await owner.newPage();
    for (const [slug, { shows, hides }] of Object.entries(expected)) {
      await landing.goto(`${landingUrl}/${slug}`);
      const text = await landing.locator('body').innerText();
      for (const wanted of shows) expect(text, slug).toContain(wanted);
      for (const unwanted of [...hides, 'Black Friday']) expect(text, slug).not.toContain(unwanted);
      expect(text, slug).toMatch(/Last synced\s+.+UTC\s*· version 1/);
      await shot(`11-landing-${slug}`, landing);
    }
    await landing.close();
  });

  it('Sites lists each site with its last sync; a new site shows its secret once', async () => {
    await openNav(page, 'Sites');
    const sites = page.getByRole('list', { name: 'Sites' }).locator(':scope > li');
    await expect.poll(() => sites.count()).toBe(3);
    // The list may first show what was cached before the sync, then what the server says now.
    const lastSyncs = () => page.getByTestId('last-sync').allTextContents();
    await expect
      .poll(async () => (await lastSyncs()).map((text) => text.startsWith('success')))
      .toEqual([true, true, true]);
    for (const text of await lastSyncs()) expect(text).toMatch(/^success(just now|\d+ s ago|\d+ min ago)$/);
    expect(
      await page.getByRole('link', { name: 'Open landing page of Google Campaign' }).getAttribute('href'),
    ).toBe(`${landingUrl}/google`);
    await page.getByRole('button', { name: 'Preview Google Campaign' }).click();
    const preview = page.getByRole('dialog', { name: 'Preview of Google Campaign' });
    await preview.getByText('Up to date').waitFor();
    await shot('12-site-preview');
    await preview.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: 'New site' }).click();
    const form = page.getByRole('dialog', { name: 'New site' });
    await form.getByLabel('Name').fill('Partner portal');
    await form.getByLabel('Slug').fill('partner');
    await form.getByLabel('Webhook URL').fill('http://127.0.0.1:9/webhook');
    await form.getByRole('button', { name: 'Save site' }).click();
    // The SSRF guard's answer, under the field it is about.
    await form
      .getByText(
        'is a loopback address (127.0.0.1); to send to it on purpose, add its origin http://127.0.0.1:9 to ' +
          'ALLOWED_DESTINATION_ORIGINS',
        { exact: true },
      )
      .waitFor();
    // Loopback is allowed for the demo pages' origin only (ALLOWED_DESTINATION_ORIGINS' default); no DNS here.
    await form.getByLabel('Webhook URL').fill(`${landingUrl}/partner/webhook`);
    await form.getByRole('button', { name: 'Save site' }).click();
    const secret = page.getByRole('dialog', { name: 'Signing secret of Partner portal' });
    const shown = await secret.getByTestId('signing-secret').textContent();
    expect(shown).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    await secret.getByRole('button', { name: 'Copy secret' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
    await shot('13-site-secret');
    await secret.getByRole('button', { name: 'I have stored it' }).click();
    await expect.poll(() => sites.count()).toBe(4);
    expect(await page.locator('body').innerText()).not.toContain(shown!);
    await shot('14-sites');

    // No page receives it: deleted again, so that the next syncs are of the three demo sites.
    page.once('dialog', (confirm) => void confirm.accept());
    await page.getByRole('button', { name: 'Delete Partner portal' }).click();
    await expect.poll(() => sites.count()).toBe(3);
  });

  it("the Jobs page shows the job's full log, and a delivery's payload is copied to the clipboard", async () => {
    await openNav(page, 'Jobs');
    const jobs = page.getByRole('table', { name: 'Sync jobs' });
    await jobs.getByText('success').first().waitFor();
    await shot('15-jobs');
    await jobs.getByRole('link', { name: jobPath.split('/').pop()!.slice(0, 8) }).click();
    await page.waitForURL(`**${jobPath}`);
    const log = page.getByRole('list', { name: 'Job log' });
    await log.getByText('Sync success: 3 delivered').waitFor();
    const lines = await log.locator('li').allTextContents();
    expect(lines[0]).toContain('Sync started (manual) for 3 site(s).');
    for (const slug of ['facebook', 'google', 'instagram']) {
      expect(lines.some((line) => line.includes(`${slug}: version 1 delivered`))).toBe(true);
    }

    await page.getByRole('button', { name: 'Payload to Facebook Campaign' }).click();
    const dialog = page.getByRole('dialog', { name: 'Payload to Facebook Campaign, version 1' });
    await dialog.getByTestId('payload').waitFor();
    await dialog.getByRole('button', { name: 'Copy payload' }).click();
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
    expect(copied).toMatchObject({
      type: 'content.synced',
      data: { version: 1, site: { slug: 'facebook' } },
    });
    const items = copied.data.items as { title: string; mode: string; data: { cta: { text: string } } }[];
    expect(items.map((item) => item.title)).toEqual([TITLES.A, TITLES.B]);
    expect(items[1]).toMatchObject({ mode: 'override', data: { cta: { text: 'Claim on Facebook' } } });
    await shot('16-job-payload');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it("rotating a site's secret shows the new one once and keeps the previous one valid for a while", async () => {
    await openNav(page, 'Sites');
    page.once('dialog', (confirm) => void confirm.accept());
    await page.getByRole('button', { name: 'Rotate secret of Facebook Campaign' }).click();
    const dialog = page.getByRole('dialog', { name: 'Signing secret of Facebook Campaign' });
    const shown = await dialog.getByTestId('signing-secret').textContent();
    expect(shown).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    await dialog.getByRole('button', { name: 'I have stored it' }).click();
    const facebook = page
      .getByRole('list', { name: 'Sites' })
      .locator(':scope > li', { hasText: 'Facebook Campaign' });
    await expect.poll(() => facebook.textContent()).toContain('previous valid until');
    expect(await facebook.textContent()).toContain(`…${shown!.slice(-4)}`);
    expect(await page.locator('body').innerText()).not.toContain(shown!);
    // The Facebook page still holds only the previous secret: the next test's sync reaching it shows that the
    // previous secret still signs.
  });

  it("a running job's live log resumes after the connection drops: Last-Event-ID, no line lost or repeated", async () => {
    // The browser reaches DataSync through a proxy that can cut its connections, as a network failure would.
    const proxy = await startCuttingProxy(new URL(app.url));
    const watcher = await owner.newPage();
    try {
      // Google answers slowly, so that the job is still running when the connection comes back.
      await fetch(`${landingUrl}/google/faults`, {
        method: 'POST',
        body: JSON.stringify({ delay_ms: 9000 }),
      });
      // The proxy is another origin: the organization chosen in this browser is stored per origin.
      const organization = await page.evaluate(() => localStorage.getItem('datasync.organization'));
      await watcher.addInitScript((id) => {
        if (id) localStorage.setItem('datasync.organization', id);
      }, organization);
      await watcher.goto(`${proxy.url}/jobs`);
      // Nothing changed since the last sync: a forced one sends every site again.
      await watcher.getByRole('button', { name: 'Force sync' }).click();
      await watcher.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
      const jobId = new URL(watcher.url()).pathname.split('/').pop()!;
      const streams = () =>
        proxy.requests.filter((request) => request.path.includes(`/sync-jobs/${jobId}/events`));
      await watcher.getByRole('status').filter({ hasText: 'LIVE STREAMING' }).waitFor({ timeout: 10_000 });
      await expect.poll(() => streams()[0]?.eventIds.length ?? 0).toBeGreaterThan(0);
      const beforeCut = [...streams()[0]!.eventIds];

      // At least the live stream's two sockets (browser side and server side); other idle keep-alive ones too.
      expect(proxy.cut()).toBeGreaterThanOrEqual(2);
      await watcher.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
      await shot('16b-job-reconnecting', watcher);
      await expect
        .poll(() => watcher.getByTestId('job-status').textContent(), { timeout: 30_000 })
        .toBe('success');

      const [first, second] = streams();
      // The browser resumed from the last event it had, and the server sent only what came after it.
      expect(second?.headers['last-event-id']).toBe(first!.eventIds.at(-1));
      expect(first!.eventIds.slice(0, beforeCut.length)).toEqual(beforeCut);
      expect(second!.eventIds.length).toBeGreaterThan(0);
      const received = streams().flatMap((stream) => stream.eventIds);
      expect(new Set(received).size).toBe(received.length);

      // Every line of the job's log, once, in order: what the API holds is what the page shows.
      const stored = await watcher.evaluate(
        async ([id, org]) => {
          const response = await fetch(`/api/v1/sync-jobs/${id}/logs`, {
            headers: org ? { 'x-organization-id': org } : {},
          });
          return ((await response.json()) as { id: string; message: string }[]).map((line) => line.id);
        },
        [jobId, organization] as const,
      );
      expect(received.filter((id) => !id.includes('.'))).toEqual(stored);
      const log = watcher.getByRole('list', { name: 'Job log' });
      await log.getByText(/Sync success: 3 delivered/).waitFor();
      expect(await log.locator('li').count()).toBe(stored.length);
      await shot('16c-job-resumed', watcher);
    } finally {
      await fetch(`${landingUrl}/google/faults`, { method: 'POST', body: JSON.stringify({ delay_ms: 0 }) });
      await watcher.close();
      await proxy.close();
    }
  });

  it('a viewer, invited through the UI, sees everything and no edit control', async () => {
    await openNav(page, 'Members & API keys');
    await page.getByLabel('Invite by email').fill(VIEWER.email);
    await page.getByLabel('Invited role').selectOption('viewer');
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = await page.getByTestId('invitation-link').textContent();
    await shot('17-members');

    const viewerContext = await browser.newContext({
      baseURL: app.url,
      viewport: { width: 1280, height: 900 },
    });
    const viewer = await viewerContext.newPage();
    // Without an invitation link, the sign-up page asks for one.
    await viewer.goto('/signup');
    await viewer.getByLabel('Invitation link or token').waitFor();
    expect(await viewer.getByLabel('Organization name').count()).toBe(0);
    await shot('17b-signup-by-invitation', viewer);
    await viewer.goto(link!);
    await viewer.getByRole('link', { name: 'Sign up' }).first().click();
    // Sign-up is invite-only after the first user: the link's invitation is the way in, and joins at once.
    await viewer.getByRole('heading', { name: 'Join your organization' }).waitFor();
    expect(await viewer.getByLabel('Organization name').count()).toBe(0);
    await viewer.getByLabel('Email').fill(VIEWER.email);
    await viewer.getByLabel('Password').fill(VIEWER.password);
    await viewer.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => viewer.getByTestId('organization-name').textContent()).toBe('Acme Holdings');
    expect(await viewer.getByTestId('role').textContent()).toBe('viewer');

    const nav = viewer.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Members & API keys' }).count()).toBe(0);
    const noButtons = async (names: (string | RegExp)[]) => {
      for (const name of names)
        expect(await viewer.getByRole('button', { name }).count(), String(name)).toBe(0);
    };

    await expect.poll(() => viewer.getByTestId('published-count').textContent()).toBe('3');
    await noButtons(['Run Sync', 'Load Demo Data']);
    await shot('18-viewer-dashboard', viewer);

    await openNav(viewer, 'Content');
    const rows = viewer.getByRole('table', { name: 'Content items' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    await noButtons(['New item', 'New content type', /^Edit /, /^Publish /, /^Archive /, /^Delete /]);
    expect(await viewer.getByRole('button', { name: `View ${TITLES.A}` }).count()).toBe(1);
    await shot('19-viewer-content', viewer);

    await openNav(viewer, 'Sites');
    await viewer.getByRole('button', { name: 'Preview Facebook Campaign' }).waitFor();
    await noButtons(['New site', /^Edit /, /^Rotate secret/, /^Delete /]);

    await openNav(viewer, 'Mappings');
    const matrix = viewer.getByRole('table', { name: 'Mappings matrix' });
    await matrix.getByRole('img', { name: `${TITLES.B} on Facebook Campaign: override` }).waitFor();
    expect(await matrix.getByRole('button').count()).toBe(0);
    await shot('20-viewer-mappings', viewer);

    await openNav(viewer, 'Jobs');
    await noButtons(['Run Sync', 'Force sync']);
    await viewer.goto(jobPath);
    await viewer.getByRole('list', { name: 'Job log' }).getByText('Sync success: 3 delivered').waitFor();
    await noButtons([/^Retry/]);
    await shot('21-viewer-job', viewer);
    await viewerContext.close();
  });

  it("an admin changes a member's role and removes them; an API key is shown once, works, and stops when revoked", async () => {
    // This page has been open since the invitation; the viewer accepted it in another browser since.
    await openNav(page, 'Members & API keys');
    await page.reload();
    await page.getByLabel(`Role of ${VIEWER.email}`).waitFor();
    expect(await page.getByRole('list', { name: 'Pending invitations' }).count()).toBe(0);
    await shot('23-members-with-viewer');
    // The change is saved by a PATCH the select starts; reloading before it is answered would abort it.
    const saved = page.waitForResponse(
      (response) => response.request().method() === 'PATCH' && /\/members\/[^/]+$/.test(response.url()),
    );
    await page.getByLabel(`Role of ${VIEWER.email}`).selectOption('editor');
    expect((await saved).status()).toBe(200);
    await page.reload();
    await expect.poll(() => page.getByLabel(`Role of ${VIEWER.email}`).inputValue()).toBe('editor');
    // The owner's own role cannot be changed from here (an organization keeps its owner).
    expect(await page.getByLabel(`Role of ${OWNER.email}`).isDisabled()).toBe(true);
    page.once('dialog', (confirm) => void confirm.accept());
    await page.getByRole('button', { name: `Remove ${VIEWER.email}` }).click();
    await expect.poll(() => page.getByLabel(`Role of ${VIEWER.email}`).count()).toBe(0);

    await page.getByLabel('Key name').fill('Deploy previews');
    await page.getByLabel('Key role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByTestId('api-key').textContent();
    expect(key).toBeTruthy();
    await page.getByRole('button', { name: 'Copy API key' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await shot('24-api-key-created');
    const withKey = () =>
      fetch(`${app.url}/api/v1/content-items`, { headers: { authorization: `Bearer ${key}` } });
    const listed = await withKey();
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(4); // the demo's items

    await page.reload();
    const keys = page.getByRole('table', { name: 'API keys' });
    await keys.getByText('Deploy previews').waitFor();
    expect(await page.locator('body').innerText()).not.toContain(key!);
    page.once('dialog', (confirm) => void confirm.accept());
    await page.getByRole('button', { name: 'Revoke key Deploy previews' }).click();
    await keys.getByText('revoked').waitFor();
    expect((await withKey()).status).toBe(401);
    await shot('25-api-key-revoked');
  });

  it('works from the keyboard: a link and a button reached with Tab, a dialog closed with Escape', async () => {
    await openNav(page, 'Dashboard');
    const tabTo = async (name: string) => {
      for (let presses = 0; presses < 40; presses++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
        if (focused === name) return;
      }
      throw new Error(`Tab never reached "${name}"`);
    };
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await tabTo('Content');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Content');
    await tabTo('New item');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New content item' });
    await dialog.waitFor();
    // Focus moved into the dialog, so typing goes to its first field.
    expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
  });

  it('an item is created from its schema form, published, archived, moved back to draft and deleted', async () => {
    await openNav(page, 'Content');
    await page.getByRole('button', { name: 'New item' }).click();
    const dialog = page.getByRole('dialog', { name: 'New content item' });
    await dialog.getByLabel('Content type').selectOption({ label: 'Offer banner' });
    await dialog.getByLabel('Title *').fill('Autumn deals');
    await dialog.getByLabel('Headline *').fill('Autumn deals are here');
    await dialog.getByLabel('Discount (%)').fill('15');
    await dialog.getByLabel('Badge').selectOption('new');
    await dialog.getByLabel('Button text *').fill('See the deals');
    await dialog.getByLabel('Link *').fill('https://shop.acme.example/autumn');
    await dialog.getByRole('button', { name: 'Save item' }).click();
    const row = page
      .getByRole('table', { name: 'Content items' })
      .locator('tbody tr', { hasText: 'Autumn deals' });
    await expect.poll(() => row.getAttribute('data-status')).toBe('draft');

    await row.getByRole('button', { name: 'Publish Autumn deals' }).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('published');
    await row.getByRole('button', { name: 'Archive Autumn deals' }).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('archived');
    await row.getByRole('button', { name: 'Move Autumn deals to draft' }).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('draft');

    // What was saved is what the form said, typed as the schema says (an integer, not "15").
    await row.getByRole('button', { name: 'Edit Autumn deals' }).click();
    const editor = page.getByRole('dialog', { name: 'Edit Autumn deals' });
    expect(await editor.getByLabel('Discount (%)').inputValue()).toBe('15');
    expect(await editor.getByLabel('Badge').inputValue()).toBe('new');
    await editor.getByRole('button', { name: 'Cancel' }).click();
    const saved = await page.evaluate(async () => {
      const response = await fetch('/api/v1/content-items?q=Autumn');
      return ((await response.json()) as { items: { data: unknown }[] }).items[0]!.data;
    });
    expect(saved).toEqual({
      headline: 'Autumn deals are here',
      discount_percent: 15,
      badge: 'new',
      cta: { text: 'See the deals', url: 'https://shop.acme.example/autumn' },
    });

    await row.getByRole('button', { name: 'Publish Autumn deals' }).click();
    await row.getByRole('button', { name: 'Archive Autumn deals' }).click();
    page.once('dialog', (confirm) => void confirm.accept());
    await row.getByRole('button', { name: 'Delete Autumn deals' }).click();
    await expect.poll(() => row.count()).toBe(0);
    await shot('22-content-lifecycle');
  });

  it("a site's preview shows what the next sync would change; a site is renamed through its form", async () => {
    await openNav(page, 'Content');
    await page.getByRole('button', { name: `Edit ${TITLES.A}` }).click();
    const editor = page.getByRole('dialog', { name: `Edit ${TITLES.A}` });
    await editor.getByLabel('Headline *').fill('Summer Sale: now 40% off');
    await editor.getByRole('button', { name: 'Save item' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

    await openNav(page, 'Sites');
    await page.getByRole('button', { name: 'Preview Facebook Campaign' }).click();
    const preview = page.getByRole('dialog', { name: 'Preview of Facebook Campaign' });
    await preview.getByText('Changes to send').waitFor();
    const diff = preview.getByRole('definition');
    expect(await diff.allTextContents()).toEqual(['0', '1', '0', '1']); // added, changed, removed, unchanged
    const changed = preview.getByRole('listitem').filter({ hasText: TITLES.A });
    expect(await changed.textContent()).toContain('changed');
    expect(await changed.textContent()).toContain('Summer Sale: now 40% off');
    await shot('26-site-preview-changes');
    await preview.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: 'Edit Google Campaign' }).click();
    const form = page.getByRole('dialog', { name: 'Edit Google Campaign' });
    await form.getByLabel('Name').fill('Google Ads Campaign');
    await form.getByRole('button', { name: 'Save site' }).click();
    await page.getByRole('button', { name: 'Preview Google Ads Campaign' }).waitFor();
  });
});
