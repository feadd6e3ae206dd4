import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { Config } from '../config.js';

/** Whether browsers reach DataSync over TLS: it decides HSTS, the CSP upgrade and `Secure` session cookies. */
export function isHttps(publicUrl: string): boolean {
  return new URL(publicUrl).protocol === 'https:';
}

/**
 * Helmet's headers for every response, the admin UI's CSP among them. Over plain http (a LAN install at
 * http://192.168.1.10:3000) `upgrade-insecure-requests` would make the browser fetch the page's own scripts over
 * https, which nothing answers: a blank page. HSTS is left out there too: it means nothing without TLS.
 */
export function helmetOptions(publicUrl: string): FastifyHelmetOptions {
  const https = isHttps(publicUrl);
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        ...(https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    ...(https ? {} : { strictTransportSecurity: false }),
  };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * In production, an http PUBLIC_URL other than this machine means session cookies cross the network in clear text
 * and are not `Secure`: worth saying once at start, not worth refusing to start (a LAN trial is legitimate).
 */
export function warnIfPlainHttp(
  config: Pick<Config, 'nodeEnv' | 'publicUrl'>,
  log: { warn(fields: object, message: string): void },
): void {
  const url = new URL(config.publicUrl);
  if (config.nodeEnv !== 'production' || url.protocol !== 'http:' || isLoopback(url.hostname)) return;
  log.warn(
    { public_url: config.publicUrl },
    'PUBLIC_URL is plain http: session cookies are sent unencrypted and are not Secure. Use an https PUBLIC_URL, or a TLS-terminating proxy in front of DataSync',
  );
}
