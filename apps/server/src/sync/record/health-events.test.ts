import { describe, expect, it } from 'vitest';
import { failureEvents, recoveryEvents } from './health-events.js';

const site = { organizationId: 'org-1', siteId: 'site-1' };

describe('failureEvents', () => {
  it('raises site.failing when the site was not failing yet', () => {
    expect(failureEvents({ ...site, wasFailing: false, wasEnabled: true }, 'HTTP 500', false)).toEqual([
      { type: 'site.failing', organizationId: 'org-1', siteId: 'site-1', lastError: 'HTTP 500' },
    ]);
  });

  it('raises nothing for another failure of a failing site (a retry)', () => {
    expect(failureEvents({ ...site, wasFailing: true, wasEnabled: true }, 'timeout', false)).toEqual([]);
  });

  it('raises site.disabled when the failure disabled the site, with site.failing if it is the first', () => {
    expect(failureEvents({ ...site, wasFailing: false, wasEnabled: true }, 'HTTP 410', true)).toEqual([
      { type: 'site.failing', organizationId: 'org-1', siteId: 'site-1', lastError: 'HTTP 410' },
      { type: 'site.disabled', organizationId: 'org-1', siteId: 'site-1', lastError: 'HTTP 410' },
    ]);
    expect(failureEvents({ ...site, wasFailing: true, wasEnabled: true }, 'HTTP 410', true)).toEqual([
      { type: 'site.disabled', organizationId: 'org-1', siteId: 'site-1', lastError: 'HTTP 410' },
    ]);
  });

  it('does not raise site.disabled again for a site that was already disabled', () => {
    expect(failureEvents({ ...site, wasFailing: true, wasEnabled: false }, 'HTTP 410', true)).toEqual([]);
  });
});

describe('recoveryEvents', () => {
  it('raises site.recovered once per site that was failing', () => {
    expect(
      recoveryEvents([
        { organizationId: 'org-1', siteId: 'site-1', wasFailing: true },
        { organizationId: 'org-1', siteId: 'site-1', wasFailing: true },
        { organizationId: 'org-1', siteId: 'site-2', wasFailing: false },
        { organizationId: 'org-1', siteId: 'site-3', wasFailing: true },
      ]),
    ).toEqual([
      { type: 'site.recovered', organizationId: 'org-1', siteId: 'site-1', lastError: null },
      { type: 'site.recovered', organizationId: 'org-1', siteId: 'site-3', lastError: null },
    ]);
  });

  it('raises nothing for healthy sites', () => {
    expect(recoveryEvents([{ organizationId: 'org-1', siteId: 'site-1', wasFailing: false }])).toEqual([]);
  });
});
