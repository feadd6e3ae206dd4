import type { AlertBody } from '@datasync/contracts';
import { describe, expect, it } from 'vitest';
import { absoluteLink, siteAlertBody, syncFailedBody, testAlertBody } from './alert-body.js';
import { alertEmail } from './alert-email.js';

const organization = { id: '00000000-0000-4000-8000-000000000001', slug: 'acme', name: 'Acme' };
const site = { id: '00000000-0000-4000-8000-000000000002', slug: 'instagram', name: 'Instagram Campaign' };
const timestamp = '2026-12-07T10:00:00.000Z';
const jobId = '00000000-0000-4000-8000-000000000003';

function failedSites(count: number) {
  return Array.from({ length: count }, (_, n) => ({
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    slug: `site-${n}`,
    name: `Site ${n}`,
    error: 'HTTP 500',
  }));
}

describe('alert bodies', () => {
  it('link a site alert to the site and a sync alert to the job, relative until sent', () => {
    const failing = siteAlertBody({
      type: 'site.failing',
      timestamp,
      organization,
      site,
      lastError: 'timeout',
    });
    expect(failing).toEqual({
      type: 'site.failing',
      timestamp,
      organization,
      site,
      job: null,
      last_error: 'timeout',
      link: `/sites/${site.id}`,
    });
    const failed = syncFailedBody({
      timestamp,
      organization,
      jobId,
      status: 'failed',
      failedSites: failedSites(1),
      lastError: 'HTTP 500',
    });
    expect(failed.link).toBe(`/jobs/${jobId}`);
    expect(testAlertBody({ timestamp, organization }).link).toBe('/alerts');
  });

  it('become absolute under PUBLIC_URL, with or without a path or a trailing slash', () => {
    expect(absoluteLink('/sites/x', 'https://datasync.example')).toBe('https://datasync.example/sites/x');
    expect(absoluteLink('/sites/x', 'https://example.test/datasync/')).toBe(
      'https://example.test/datasync/sites/x',
    );
    expect(absoluteLink('https://elsewhere.test/a', 'https://datasync.example')).toBe(
      'https://elsewhere.test/a',
    );
  });
});

describe('alert emails', () => {
  const link = (body: AlertBody) => ({ ...body, link: absoluteLink(body.link, 'https://datasync.example') });

  it('name the change and the site in the subject', () => {
    const subjects = (['site.failing', 'site.recovered', 'site.disabled'] as const).map(
      (type) =>
        alertEmail(link(siteAlertBody({ type, timestamp, organization, site, lastError: null }))).subject,
    );
    expect(subjects).toEqual([
      '[DataSync] instagram is failing',
      '[DataSync] instagram recovered',
      '[DataSync] instagram is disabled',
    ]);
    expect(alertEmail(link(testAlertBody({ timestamp, organization }))).subject).toBe(
      '[DataSync] Test alert',
    );
  });

  it('count the failed sites of a sync, and list at most twenty of them', () => {
    const body = (count: number) =>
      link(
        syncFailedBody({
          timestamp,
          organization,
          jobId,
          status: 'partial',
          failedSites: failedSites(count),
          lastError: 'HTTP 500',
        }),
      );
    expect(alertEmail(body(1)).subject).toBe('[DataSync] Sync failed: 1 site');
    const many = alertEmail(body(25));
    expect(many.subject).toBe('[DataSync] Sync failed: 25 sites');
    expect(many.text).toContain('A sync partly failed: 25 sites did not accept it.');
    expect(many.text).toContain('- Site 19 (site-19): HTTP 500\n- and 5 more\n');
    expect(many.text).not.toContain('Site 20 ');
    expect(many.text).toContain(`Open in DataSync: https://datasync.example/jobs/${jobId}`);
  });

  it('hold the facts in plain text and escaped HTML, and keep the subject on one line', () => {
    const hostile = { ...site, slug: 'evil\r\nBcc: victim@example.test', name: '<script>alert(1)</script>' };
    const email = alertEmail(
      link(
        siteAlertBody({ type: 'site.failing', timestamp, organization, site: hostile, lastError: 'a & b' }),
      ),
    );
    expect(email.subject).toBe('[DataSync] evil Bcc: victim@example.test is failing');
    expect(email.text).toContain('<script>alert(1)</script> is failing');
    expect(email.text).toContain('Last error: a & b');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(email.html).toContain('a &#38; b');
    expect(email.html).toContain(`<a href="https://datasync.example/sites/${site.id}">Open in DataSync</a>`);
  });
});
