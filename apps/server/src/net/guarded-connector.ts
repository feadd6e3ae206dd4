import type { LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { checkConnectAddresses, defaultLookup, type Lookup, type ResolvedAddress } from './ssrf-guard.js';

export interface GuardedConnectorOptions {
  allowedOrigins: readonly string[];
  lookup?: Lookup;
  connectTimeoutMs: number;
  /** Opens the sockets: undici's buildConnector; a fake in tests. */
  buildBase?: (options: buildConnector.BuildOptions) => buildConnector.connector;
}

/**
 * An undici connector that enforces the SSRF guard on every new connection. Checking a URL and then letting the
 * HTTP client resolve the host again would leave a window for DNS rebinding (answer a public address to the check,
 * 169.254.169.254 to the connect). So the host is resolved once, here; every address is checked; and the socket is
 * opened through a `lookup` that answers exactly those checked addresses (net's happy-eyeballs then picks among
 * them). Each connection gets a one-off key for that lookup, so concurrent connections cannot see each other's
 * answers. Keep-alive connections were checked when they were opened and stay bound to that address.
 */
export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const allowedOrigins = new Set(options.allowedOrigins);
  const lookup = options.lookup ?? defaultLookup;
  const build = options.buildBase ?? buildConnector;
  const pinned = new Map<string, ResolvedAddress[]>();
  let sequence = 0;

  const pinnedLookup: LookupFunction = (key, dnsOptions, callback) => {
    const family = dnsOptions.family === 4 || dnsOptions.family === 6 ? dnsOptions.family : null;
    const addresses = (pinned.get(key) ?? []).filter((entry) => family === null || entry.family === family);
    const first = addresses[0];
    if (!first) {
      // Fail closed: never fall back to a resolver here.
      callback(Object.assign(new Error(`no checked address for ${key}`), { code: 'ENOTFOUND' }), '', 0);
    } else if (dnsOptions.all) {
      callback(null, addresses);
    } else {
      callback(null, first.address, first.family);
    }
  };

  // Allowed origins (and IP literals, after their check) connect as usual; everything else through pinnedLookup.
  const direct = build({ timeout: options.connectTimeoutMs });
  const viaPinned = build({ timeout: options.connectTimeoutMs, lookup: pinnedLookup });

  return (connectOptions, callback) => {
    const { protocol, hostname, port } = connectOptions;
    const host = connectOptions.host ?? (port ? `${hostname}:${port}` : hostname);
    if (allowedOrigins.has(`${protocol}//${host}`)) {
      direct(connectOptions, callback);
      return;
    }
    checkConnectAddresses(hostname, `${protocol}//${host}`, lookup).then(
      (addresses) => {
        if (addresses === 'ip-literal') {
          direct(connectOptions, callback); // net does no lookup for an IP: it connects to the checked address
          return;
        }
        const key = `pinned-${++sequence}.invalid`;
        pinned.set(key, addresses);
        // The real host stays in `host`, which undici uses for TLS SNI and certificate checks.
        try {
          viaPinned({ ...connectOptions, hostname: key }, (...args) => {
            pinned.delete(key);
            callback(...args);
          });
        } catch (error) {
          pinned.delete(key);
          callback(error as Error, null);
        }
      },
      (error: Error) => callback(error, null),
    );
  };
}
