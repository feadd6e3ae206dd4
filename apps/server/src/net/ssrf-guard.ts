import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

// SSRF guard (docs/decisions/005-ssrf-guard.md), the one place that decides whether this server may send to a URL.
// A site's destination URL is where this server POSTs webhooks, so an admin could otherwise point it at the cloud
// metadata service, a database port or anything else on the private network. A URL is checked when a site is saved
// (checkDestinationUrl); DNS can change after that (DNS rebinding), so every connection the delivery client opens
// is checked again against the addresses it actually connects to (checkConnectAddresses, guarded-connector.ts).

export const MAX_URL_LENGTH = 2048;
const DNS_TIMEOUT_MS = 5_000;

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Resolves a host name to every address it has (injectable so tests can simulate any DNS answer). */
export type Lookup = (hostname: string) => Promise<ResolvedAddress[]>;

export interface DestinationCheckOptions {
  /** Exact origins (`http://127.0.0.1:3001`) let through without the address check: the demo landing pages. */
  allowedOrigins: string[];
  lookup?: Lookup;
}

export const defaultLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

// IANA special-purpose IPv4 ranges that are not a public internet host.
const BLOCKED_IPV4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. the cloud metadata address 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast 255.255.255.255
];

// IPv4-mapped addresses (::ffff:a.b.c.d) are judged by their IPv4 address instead (see isBlockedAddress).
const BLOCKED_IPV6: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64: reaches IPv4 addresses through a translator
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 32], // Teredo tunnelling
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
  // Everything outside 2000::/3, the only block allocated for global unicast, is not a public host either.
  ['::', 3],
  ['4000::', 2],
  ['8000::', 1],
];

// Two lists: BlockList also matches IPv4 addresses against IPv6 rules (as ::ffff:a.b.c.d), so `::/3` in a shared
// list would block every IPv4 address.
const blockedIpv4 = new BlockList();
for (const [network, prefix] of BLOCKED_IPV4) blockedIpv4.addSubnet(network, prefix, 'ipv4');
const blockedIpv6 = new BlockList();
for (const [network, prefix] of BLOCKED_IPV6) blockedIpv6.addSubnet(network, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, in any spelling), or null. */
function mappedIpv4(address: string): string | null {
  let normalized: string;
  try {
    normalized = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const match = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(normalized);
  if (!match) return null;
  const high = parseInt(match[1]!, 16);
  const low = parseInt(match[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True when an IP address is not a public internet host; anything that is not an IP address counts as blocked. */
export function isBlockedAddress(address: string): boolean {
  const unscoped = address.replace(/%.*$/, ''); // fe80::1%eth0: the zone does not change the range
  const family = isIP(unscoped);
  if (family === 4) return blockedIpv4.check(unscoped, 'ipv4');
  if (family !== 6) return true;
  const ipv4 = mappedIpv4(unscoped);
  return ipv4 ? blockedIpv4.check(ipv4, 'ipv4') : blockedIpv6.check(unscoped, 'ipv6');
}

// Which kind of non-public address a refusal names, so an operator can tell a typo from a deliberate internal host.
const KINDS: [string, [string, number, 'ipv4' | 'ipv6'][]][] = [
  [
    'loopback',
    [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  ],
  [
    'private',
    [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['100.64.0.0', 10, 'ipv4'],
      ['fc00::', 7, 'ipv6'],
    ],
  ],
  [
    'link-local',
    [
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ],
  ],
];
const kindLists = KINDS.map(([kind, networks]) => {
  const list = new BlockList();
  for (const [network, prefix, family] of networks) list.addSubnet(network, prefix, family);
  return [kind, list] as const;
});

/** `a loopback address (127.0.0.1)`: the kind of a blocked address (loopback, private, link-local, reserved). */
export function describeBlockedAddress(address: string): string {
  const unscoped = address.replace(/%.*$/, '');
  const family = isIP(unscoped);
  const ipv4 = family === 4 ? unscoped : family === 6 ? mappedIpv4(unscoped) : null;
  const kind = family
    ? kindLists.find(([, list]) => (ipv4 ? list.check(ipv4, 'ipv4') : list.check(unscoped, 'ipv6')))?.[0]
    : undefined;
  return `a ${kind ?? 'reserved'} address (${address})`;
}

/** A refusal of `origin` with the way to allow it on purpose: the allowlist bypasses every address check. */
export function refusalWithRemedy(reason: string, origin: string): string {
  return `${reason}; to send to it on purpose, add its origin ${origin} to ALLOWED_DESTINATION_ORIGINS`;
}

/** Why a URL is not an acceptable http(s) URL, or null: the check `public_url` needs. */
export function checkHttpUrl(url: string): string | null {
  if (url.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  if (!URL.canParse(url)) return 'is not a valid URL';
  const { protocol } = new URL(url);
  if (protocol !== 'http:' && protocol !== 'https:') return 'must be an http or https URL';
  return null;
}

export async function resolve(hostname: string, lookup: Lookup): Promise<ResolvedAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('DNS lookup timed out')), DNS_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([lookup(hostname), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why a URL may not be sent to whatever its host (not http(s), or credentials in it), or null. */
export function checkUrlShape(url: string): string | null {
  const syntax = checkHttpUrl(url);
  if (syntax) return syntax;
  const { username, password } = new URL(url);
  return username || password ? 'must not contain a user name or password' : null;
}

/**
 * Why `url` may not be a webhook destination, or null when it may. Refuses non-http(s) URLs, credentials in the
 * URL, and hosts that are, or resolve to, a non-public address (every resolved address must be public), unless
 * the URL's origin is one of `allowedOrigins` exactly.
 */
export async function checkDestinationUrl(
  url: string,
  options: DestinationCheckOptions,
): Promise<string | null> {
  const shape = checkUrlShape(url);
  if (shape) return shape;
  const parsed = new URL(url);
  if (options.allowedOrigins.some((origin) => origin === parsed.origin)) return null;

  // URL has already normalized the host: lowercase, IPv4 in dotted form (0x7f.1 → 127.0.0.1), IPv6 in brackets.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (isIP(host)) {
    return isBlockedAddress(host)
      ? refusalWithRemedy(`is ${describeBlockedAddress(host)}`, parsed.origin)
      : null;
  }
  // RFC 6761: localhost names are this machine, whatever a resolver says.
  if (host === 'localhost' || host.endsWith('.localhost'))
    return refusalWithRemedy(`points to this machine (${host})`, parsed.origin);

  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(host, options.lookup ?? defaultLookup);
  } catch {
    return `host ${host} does not resolve`;
  }
  if (addresses.length === 0) return `host ${host} does not resolve`;
  const blocked = addresses.find(({ address }) => isBlockedAddress(address));
  if (blocked) {
    return refusalWithRemedy(
      `host ${host} resolves to ${describeBlockedAddress(blocked.address)}`,
      parsed.origin,
    );
  }
  return null;
}

/** Thrown when a connection's destination may not be reached; the delivery client reports it as `blocked`. */
export class BlockedDestinationError extends Error {
  readonly code = 'DATASYNC_BLOCKED_DESTINATION';
}

/**
 * The addresses a connection to `hostname` may use, every one checked (or 'ip-literal' once an IP address passed
 * the check, for the caller to connect to as it is). Throws BlockedDestinationError when any address is not a
 * public host, so that the caller connects to exactly what was checked. `origin` names the remedy in the refusal.
 */
export async function checkConnectAddresses(
  hostname: string,
  origin: string,
  lookup: Lookup,
): Promise<ResolvedAddress[] | 'ip-literal'> {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (isIP(host)) {
    if (isBlockedAddress(host)) {
      throw new BlockedDestinationError(
        refusalWithRemedy(`the destination is ${describeBlockedAddress(host)}`, origin),
      );
    }
    return 'ip-literal';
  }
  // RFC 6761: localhost names are this machine, whatever a resolver says (as in checkDestinationUrl).
  if (host === 'localhost' || host.endsWith('.localhost')) {
    throw new BlockedDestinationError(refusalWithRemedy(`${host} is this machine`, origin));
  }
  const addresses = await resolve(host, lookup);
  if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
  const blocked = addresses.find(({ address }) => isBlockedAddress(address));
  if (blocked) {
    throw new BlockedDestinationError(
      refusalWithRemedy(`${host} resolves to ${describeBlockedAddress(blocked.address)}`, origin),
    );
  }
  return addresses;
}
