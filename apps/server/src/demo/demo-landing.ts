import type { Config } from '../config.js';

/**
 * The demo landing pages as the demo sees them: where they listen, and how a newly created demo site's signing
 * secret reaches the page that verifies its webhooks. DataSync shows a secret once, at creation, so this hand-over
 * is the only moment the in-process landing server can learn it. Absent (tests, `datasync serve --no-landing`, the
 * pages in another process): the demo still loads, pointed at LANDING_PORT, and the secrets are in the answer only.
 */
export interface DemoLanding {
  /** Origin of the landing pages, e.g. `http://127.0.0.1:3001`; a page is `<baseUrl>/<slug>`. */
  baseUrl: string;
  /** Makes the page `slug` accept webhooks signed with `secret`; resolves once that survives a restart. */
  registerSecret(slug: string, secret: string): Promise<void>;
}

/** Where the demo landing pages listen: this service's public host, on LANDING_PORT. */
export function landingBaseUrl(config: Pick<Config, 'publicUrl' | 'landingPort'>): string {
  const url = new URL(config.publicUrl);
  url.port = String(config.landingPort);
  return url.origin;
}
