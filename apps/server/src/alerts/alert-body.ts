import type { AlertBody } from '@datasync/contracts';

// The AlertBody of each kind of alert, from facts read in the raising transaction. Pure. `link` is stored relative
// to PUBLIC_URL (`/sites/<id>`): the recording path that raises alerts has no configuration, so the sender and the
// alerts list make it absolute with the PUBLIC_URL of their own process (absoluteLink).

export interface Named {
  id: string;
  slug: string;
  name: string;
}

export interface FailedSite extends Named {
  error: string | null;
}

export const siteLink = (siteId: string) => `/sites/${siteId}`;
export const jobLink = (jobId: string) => `/jobs/${jobId}`;
/** Where the UI lists the alerts and their channels: a test alert's link. */
export const ALERTS_LINK = '/alerts';

export function siteAlertBody(input: {
  type: 'site.failing' | 'site.recovered' | 'site.disabled';
  timestamp: string;
  organization: Named;
  site: Named;
  lastError: string | null;
}): AlertBody {
  return {
    type: input.type,
    timestamp: input.timestamp,
    organization: named(input.organization),
    site: named(input.site),
    job: null,
    last_error: input.lastError,
    link: siteLink(input.site.id),
  };
}

/** `lastError`: the job's own error when it has one, else the error of the last of its deliveries that failed. */
export function syncFailedBody(input: {
  timestamp: string;
  organization: Named;
  jobId: string;
  status: 'failed' | 'partial';
  failedSites: FailedSite[];
  lastError: string | null;
}): AlertBody {
  return {
    type: 'sync.failed',
    timestamp: input.timestamp,
    organization: named(input.organization),
    site: null,
    job: {
      id: input.jobId,
      status: input.status,
      failed_sites: input.failedSites.map((site) => ({ ...named(site), error: site.error })),
    },
    last_error: input.lastError,
    link: jobLink(input.jobId),
  };
}

export function testAlertBody(input: { timestamp: string; organization: Named }): AlertBody {
  return {
    type: 'test',
    timestamp: input.timestamp,
    organization: named(input.organization),
    site: null,
    job: null,
    last_error: null,
    link: ALERTS_LINK,
  };
}

/** `${PUBLIC_URL}${link}` for a stored relative link (PUBLIC_URL may have a path); an absolute one as it is. */
export function absoluteLink(link: string, publicUrl: string): string {
  return link.startsWith('/') ? `${publicUrl.replace(/\/+$/, '')}${link}` : link;
}

export function withAbsoluteLink(body: AlertBody, publicUrl: string): AlertBody {
  return { ...body, link: absoluteLink(body.link, publicUrl) };
}

/** Exactly the three fields: a row with more columns must not leak them into the body. */
function named({ id, slug, name }: Named): Named {
  return { id, slug, name };
}
