import { describe, expect, it } from 'vitest';
import { checkDestinationUrl, checkHttpUrl, isBlockedAddress, type Lookup } from './ssrf-guard.js';

/** A resolver that answers from a table, like a DNS server under the attacker's control might. */
function fakeDns(answers: Record<string, string[]>): Lookup {
  return async (hostname) => {
    const addresses = answers[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

const dns = fakeDns({
  'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'rebind.attacker.test': ['10.0.0.1'],
  'loopback.attacker.test': ['127.0.0.1'],
  'v6-loopback.attacker.test': ['::1'],
  'sneaky.attacker.test': ['93.184.215.14', '127.0.0.1'],
  'mapped.attacker.test': ['::ffff:169.254.169.254'],
  'ula.attacker.test': ['fd12:3456::1'],
  'empty.attacker.test': [],
});
const check = (url: string, allowedOrigins: string[] = []) =>
  checkDestinationUrl(url, { allowedOrigins, lookup: dns });

describe('isBlockedAddress', () => {
  it.each([
    ['0.0.0.0', '"this network"'],
    ['0.1.2.3', '"this network"'],
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.0.1', 'link-local'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12'],
    ['192.168.1.1', 'private 192.168/16'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['fc00::1', 'unique local'],
    ['fd00:ec2::254', 'unique local (the AWS IPv6 metadata address)'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['febf:ffff::1', 'link-local, top of the range'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex spelling'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'IPv4-mapped metadata address, long spelling'],
    ['::ffff:192.168.0.1', 'IPv4-mapped private'],
    ['::ffff:100.64.0.1', 'IPv4-mapped CGNAT'],
    ['::ffff:0.0.0.0', 'IPv4-mapped "this network"'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated) loopback'],
    ['not-an-address', 'not an IP address at all'],
  ])('blocks %s (%s)', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '1.1.1.1',
    '100.63.255.255', // just below CGNAT
    '100.128.0.0', // just above CGNAT
    '172.15.255.255', // just below 172.16/12
    '172.32.0.0', // just above 172.16/12
    '169.253.255.255',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8', // IPv4-mapped public address: judged by the IPv4 address
  ])('allows the public address %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});

describe('checkDestinationUrl', () => {
  it('accepts a public http(s) URL whose host resolves only to public addresses', async () => {
    expect(await check('https://hooks.example.com/datasync')).toBeNull();
    expect(await check('http://hooks.example.com:8080/a?b=c')).toBeNull();
    expect(await check('https://93.184.215.14/hook')).toBeNull();
    expect(await check('https://[2606:4700:4700::1111]/hook')).toBeNull();
  });

  const remedy = (origin: string) =>
    `; to send to it on purpose, add its origin ${origin} to ALLOWED_DESTINATION_ORIGINS`;

  it.each([
    ['http://10.0.0.5/hook', 'a private address (10.0.0.5)', 'http://10.0.0.5'],
    [
      'http://169.254.169.254/latest/meta-data/',
      'a link-local address (169.254.169.254)',
      'http://169.254.169.254',
    ],
    ['http://127.0.0.1:4000/', 'a loopback address (127.0.0.1)', 'http://127.0.0.1:4000'],
    ['http://127.1/', 'a loopback address (127.0.0.1)', 'http://127.0.0.1'], // short form of 127.0.0.1
    ['http://0x7f.0.0.1/', 'a loopback address (127.0.0.1)', 'http://127.0.0.1'], // hex form
    ['http://2130706433/', 'a loopback address (127.0.0.1)', 'http://127.0.0.1'], // integer form
    ['http://0.0.0.0:22/', 'a reserved address (0.0.0.0)', 'http://0.0.0.0:22'],
    ['http://100.64.1.1/', 'a private address (100.64.1.1)', 'http://100.64.1.1'],
    ['http://172.20.0.1/', 'a private address (172.20.0.1)', 'http://172.20.0.1'],
    ['http://192.168.0.10/', 'a private address (192.168.0.10)', 'http://192.168.0.10'],
    ['http://224.0.0.1/', 'a reserved address (224.0.0.1)', 'http://224.0.0.1'],
    ['http://[::1]/', 'a loopback address (::1)', 'http://[::1]'],
    ['http://[::]/', 'a reserved address (::)', 'http://[::]'],
    ['http://[fd00::1]/', 'a private address (fd00::1)', 'http://[fd00::1]'],
    ['http://[fe80::1]/', 'a link-local address (fe80::1)', 'http://[fe80::1]'],
    ['http://[::ffff:127.0.0.1]/', 'a loopback address (::ffff:7f00:1)', 'http://[::ffff:7f00:1]'],
    ['http://[::ffff:a9fe:a9fe]/', 'a link-local address (::ffff:a9fe:a9fe)', 'http://[::ffff:a9fe:a9fe]'],
    ['http://[::ffff:10.0.0.1]/', 'a private address (::ffff:a00:1)', 'http://[::ffff:a00:1]'],
  ])('refuses the non-public address in %s, naming its kind and the allowlist', async (url, kind, origin) => {
    expect(await check(url)).toBe(`is ${kind}${remedy(origin)}`);
  });

  it('refuses localhost and *.localhost without asking DNS', async () => {
    const lookup: Lookup = async () => [{ address: '93.184.215.14', family: 4 }];
    for (const [url, host, origin] of [
      ['http://localhost/', 'localhost', 'http://localhost'],
      ['http://LOCALHOST:8080/x', 'localhost', 'http://localhost:8080'],
      ['http://localhost./', 'localhost', 'http://localhost.'],
      ['http://app.localhost/', 'app.localhost', 'http://app.localhost'],
    ]) {
      expect(await checkDestinationUrl(url!, { allowedOrigins: [], lookup }), url).toBe(
        `points to this machine (${host})${remedy(origin!)}`,
      );
    }
  });

  it('refuses localhost with the default (system) resolver as well', async () => {
    expect(await checkDestinationUrl('http://localhost:9/', { allowedOrigins: [] })).not.toBeNull();
  });

  it('refuses a name that resolves to a private address (DNS rebinding), even alongside a public one', async () => {
    for (const [host, kind] of [
      ['rebind.attacker.test', 'a private address (10.0.0.1)'],
      ['loopback.attacker.test', 'a loopback address (127.0.0.1)'],
      ['v6-loopback.attacker.test', 'a loopback address (::1)'],
      ['sneaky.attacker.test', 'a loopback address (127.0.0.1)'],
      ['mapped.attacker.test', 'a link-local address (::ffff:169.254.169.254)'],
      ['ula.attacker.test', 'a private address (fd12:3456::1)'],
    ]) {
      expect(await check(`https://${host}/hook`)).toBe(
        `host ${host} resolves to ${kind}${remedy(`https://${host}`)}`,
      );
    }
  });

  it('refuses a name that does not resolve', async () => {
    expect(await check('https://nowhere.invalid/hook')).toMatch(/does not resolve/);
    expect(await check('https://empty.attacker.test/hook')).toMatch(/does not resolve/);
  });

  it('refuses credentials in the URL', async () => {
    expect(await check('https://user:pass@hooks.example.com/')).toMatch(/user name or password/);
    expect(await check('https://user@hooks.example.com/')).toMatch(/user name or password/);
    expect(await check('http://user:pw@127.0.0.1:3001/', ['http://127.0.0.1:3001'])).toMatch(/user name/);
  });

  it.each([
    'ftp://hooks.example.com/',
    'file:///etc/passwd',
    'gopher://127.0.0.1:6379/_INFO',
    'javascript:alert(1)',
    'data:text/plain,hi',
    'ws://hooks.example.com/',
  ])('refuses the non-http(s) URL %s', async (url) => {
    expect(await check(url)).toMatch(/http or https/);
  });

  it('refuses what is not a URL and what is too long', async () => {
    expect(await check('not a url')).toMatch(/not a valid URL/);
    expect(await check('http://')).toMatch(/not a valid URL/);
    expect(await check(`https://hooks.example.com/${'a'.repeat(2048)}`)).toMatch(/at most 2048/);
  });

  it('lets exactly the allowed origins through: the demo landing pages on this machine', async () => {
    const allowed = ['http://127.0.0.1:3001', 'http://localhost:3001'];
    expect(await check('http://127.0.0.1:3001/facebook/webhook', allowed)).toBeNull();
    expect(await check('http://localhost:3001/google/webhook', allowed)).toBeNull();
    expect(await check('HTTP://LOCALHOST:3001/x', allowed)).toBeNull();
    // Another port, scheme or host is not the same origin.
    expect(await check('http://127.0.0.1:3002/', allowed)).not.toBeNull();
    expect(await check('https://127.0.0.1:3001/', allowed)).not.toBeNull();
    expect(await check('http://127.0.0.2:3001/', allowed)).not.toBeNull();
    expect(await check('http://localhost:3001.attacker.test/', allowed)).not.toBeNull();
  });
});

describe('checkHttpUrl (public_url)', () => {
  it('wants an http(s) URL, private hosts allowed', () => {
    expect(checkHttpUrl('http://localhost:3001/facebook')).toBeNull();
    expect(checkHttpUrl('https://campaign.example.com')).toBeNull();
    expect(checkHttpUrl('ftp://campaign.example.com')).toMatch(/http or https/);
    expect(checkHttpUrl('nope')).toMatch(/not a valid URL/);
  });
});
