import type { SiteAlertEvent } from '../../alerts/alert-events.js';

// The alerts a change of a site's health raises: once per change of state, never per retry. Pure, so the rules are
// tested on their own; the recorder raises what these answer in the transaction that records the change.

/** A send of the site not accepted: `site.failing` when it was not failing yet, `site.disabled` when this disabled it. */
export function failureEvents(
  site: { organizationId: string; siteId: string; wasFailing: boolean; wasEnabled: boolean },
  lastError: string,
  disabled: boolean,
): SiteAlertEvent[] {
  const events: SiteAlertEvent[] = [];
  const base = { organizationId: site.organizationId, siteId: site.siteId, lastError };
  if (!site.wasFailing) events.push({ type: 'site.failing', ...base });
  if (disabled && site.wasEnabled) events.push({ type: 'site.disabled', ...base });
  return events;
}

/** Accepted sends: `site.recovered` once per site that was failing (a batch may hold two versions of one site). */
export function recoveryEvents(
  accepted: { organizationId: string; siteId: string; wasFailing: boolean }[],
): SiteAlertEvent[] {
  const sites = new Map<string, SiteAlertEvent>();
  for (const row of accepted)
    if (row.wasFailing)
      sites.set(row.siteId, {
        type: 'site.recovered',
        organizationId: row.organizationId,
        siteId: row.siteId,
        lastError: null,
      });
  return [...sites.values()];
}
