import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { buildConnector } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGuardedConnector } from '../../net/guarded-connector.js';
import type { Lookup } from '../../net/ssrf-guard.js';
import {
  selfSignedCertificate,
  startReceiver,
  unusedPort,
  type Receiver,
  type ReceiverOptions,
  type Script,
} from '../../../test/support/receivers.js';
import {
  createDeliveryClient,
  type DeliveryClient,
  type DeliveryClientOptions,
  type DeliveryOutcome,
  SLOW_LANE_FULL,
} from './deliver.js';
import { webhookHeaders } from './sign.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const QUICK = [10, 20, 40];

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function receiver(script?: Script, options?: ReceiverOptions): Promise<Receiver> {
  const started = await startReceiver(script, options);
  open.push(started);
  return started;
}

function client(options: Partial<DeliveryClientOptions> = {}): DeliveryClient {
  const created = createDeliveryClient({ allowedOrigins: [], quickRetryDelaysMs: QUICK, ...options });
  open.push(created);
  return created;
}

/** A client allowed to reach the given local receivers, as the embedded default allows the demo sites. */
const clientFor = (receivers: Receiver[], options: Partial<DeliveryClientOptions> = {}) =>
  client({ allowedOrigins: receivers.map((r) => r.origin), ...options });

function signed(url: string, body = JSON.stringify({ type: 'content.synced', data: { version: 1 } })) {
  const timestamp = Math.floor(Date.now() / 1000);
  return { url, body, headers: webhookHeaders({ id: 'msg_test', timestamp, body, secrets: [SECRET] }) };
}

/** A resolver answering from a table, like a DNS server under an attacker's control. */
function fakeDns(answers: Record<string, string[] | (() => string[])>): Lookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const answer = answers[hostname];
    const addresses = typeof answer === 'function' ? answer() : answer;
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

/**
 * Socket opener for SSRF tests: the real undici connector, but every address the guard hands to the socket layer
 * is recorded and then swapped for 127.0.0.1, so no test can send a packet anywhere else even if the guard were
 * broken; a broken guard shows up as a request at the local receiver instead.
 */
function loopbackNetwork(extra: buildConnector.BuildOptions = {}) {
  const intended: string[] = [];
  const socketConnector = (options: buildConnector.BuildOptions): buildConnector.connector => {
    const guardLookup = (options as { lookup?: LookupFunction }).lookup;
    if (!guardLookup) {
      const real = buildConnector({ ...options, ...extra });
      return (connectOptions, callback) => {
        intended.push(connectOptions.hostname);
        real({ ...connectOptions, hostname: '127.0.0.1' }, callback);
      };
    }
    const toLoopback: LookupFunction = (hostname, dnsOptions, callback) =>
      guardLookup(hostname, { ...dnsOptions, all: true }, (error, addresses) => {
        if (error) return callback(error, '', 0);
        intended.push(...(addresses as LookupAddress[]).map(({ address }) => address));
        if (dnsOptions.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
        else callback(null, '127.0.0.1', 4);
      });
    return buildConnector({ ...options, ...extra, lookup: toLoopback } as buildConnector.BuildOptions);
  };
  return { intended, socketConnector };
}

describe('deliver: responses', () => {
  it('POSTs the exact headers and body; the receiver verifies the signature with standardwebhooks', async () => {
    const site = await receiver({ status: 200, body: 'ok' });
    const request = signed(site.url);

    const outcome = await clientFor([site]).deliver(request);

    expect(outcome).toEqual({
      kind: 'success',
      status: 200,
      latencyMs: expect.any(Number),
      error: null,
      retryAfterMs: null,
      responseSnippet: 'ok',
      attempts: 1,
    });
    expect(site.requests).toHaveLength(1);
    const received = site.requests[0]!;
    expect(received.method).toBe('POST');
    expect(received.path).toBe('/hook');
    expect(received.body).toBe(request.body);
    expect(received.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(request.body)),
      'webhook-id': 'msg_test',
      'webhook-timestamp': request.headers['webhook-timestamp'],
      'webhook-signature': request.headers['webhook-signature'],
      'user-agent': 'DataSync-Webhooks/1',
    });
    const verified = new Webhook(SECRET).verify(received.body, received.headers as Record<string, string>);
    expect(verified).toEqual(JSON.parse(request.body));
  });

  it('keeps connections alive between deliveries to one site', async () => {
    const site = await receiver();
    const sender = clientFor([site]);
    for (let i = 0; i < 10; i++) expect((await sender.deliver(signed(site.url))).kind).toBe('success');
    // undici frees a connection one event-loop turn after its response ends, so a delivery that follows at once
    // may open a second one; after that they are reused.
    expect(site.connections).toBeLessThanOrEqual(2);
  });

  it('retries 500, 500 quickly and succeeds on the third attempt', async () => {
    const site = await receiver([{ status: 500, body: 'boom' }, { status: 500 }, { status: 200 }]);
    const onQuickRetry = vi.fn();

    const outcome = await clientFor([site]).deliver(signed(site.url), { onQuickRetry });

    expect(outcome).toMatchObject({ kind: 'success', status: 200, attempts: 3, error: null });
    expect(site.requests).toHaveLength(3);
    expect(onQuickRetry).toHaveBeenCalledTimes(2);
    expect(onQuickRetry).toHaveBeenNthCalledWith(
      1,
      2,
      expect.objectContaining({ kind: 'retryable', status: 500, error: 'HTTP 500', responseSnippet: 'boom' }),
      10,
    );
    expect(onQuickRetry).toHaveBeenNthCalledWith(2, 3, expect.objectContaining({ status: 500 }), 20);
  });

  it('re-signs per attempt when headers is a function: same webhook-id, fresh timestamp', async () => {
    const site = await receiver([{ status: 502 }, { status: 204 }]);
    const body = '{"v":1}';
    const headers = vi.fn((attempt: number) =>
      webhookHeaders({ id: 'msg_same', timestamp: 1_700_000_000 + attempt, body, secrets: [SECRET] }),
    );

    const outcome = await clientFor([site]).deliver({ url: site.url, body, headers });

    expect(outcome).toMatchObject({ kind: 'success', status: 204, attempts: 2, responseSnippet: null });
    expect(headers.mock.calls).toEqual([
      [1, body],
      [2, body],
    ]);
    expect(site.requests.map((r) => r.headers['webhook-id'])).toEqual(['msg_same', 'msg_same']);
    expect(site.requests.map((r) => r.headers['webhook-timestamp'])).toEqual(['1700000001', '1700000002']);
  });

  it('builds a lazy body once per delivery, when it has a connection slot, and signs what it builds', async () => {
    // The first request of each delivery fails, so each is sent twice; one slot, so the requests take turns.
    const seen = new Set<unknown>();
    const site = await receiver((request) => {
      const id = request.headers['webhook-id'];
      const status = seen.has(id) ? 200 : 503;
      seen.add(id);
      return { status, delayMs: 30 };
    });
    const sender = clientFor([site], { connections: 1 });
    const built: string[] = [];
    const deliveryOf = (name: string) => ({
      url: site.url,
      body: () => {
        built.push(name);
        return Buffer.from(`{"delivery":"${name}"}`);
      },
      headers: (_attempt: number, body: string | Uint8Array) =>
        webhookHeaders({
          id: `msg_${name}`,
          timestamp: Math.floor(Date.now() / 1000),
          body,
          secrets: [SECRET],
        }),
    });

    const first = sender.deliver(deliveryOf('a'));
    const second = sender.deliver(deliveryOf('b'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    // b waits for the slot a holds: its body does not exist yet.
    expect(built).toEqual(['a']);
    expect(await Promise.all([first, second])).toMatchObject([
      { kind: 'success', attempts: 2 },
      { kind: 'success', attempts: 2 },
    ]);
    expect(built).toEqual(['a', 'b']);
    expect(site.requests).toHaveLength(4);
    for (const request of site.requests) {
      expect(new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>)).toEqual({
        delivery: request.headers['webhook-id'] === 'msg_a' ? 'a' : 'b',
      });
    }
  });

  it('returns the last failure once the quick retries are exhausted', async () => {
    const site = await receiver({ status: 500 });
    const onQuickRetry = vi.fn();

    const outcome = await clientFor([site]).deliver(signed(site.url), { onQuickRetry });

    expect(outcome).toMatchObject({ kind: 'retryable', status: 500, error: 'HTTP 500', attempts: 4 });
    expect(site.requests).toHaveLength(4);
    expect(onQuickRetry.mock.calls.map(([attempt]) => attempt)).toEqual([2, 3, 4]);
  });

  it('408 is retryable', async () => {
    const site = await receiver([{ status: 408 }, { status: 200 }]);
    expect(await clientFor([site]).deliver(signed(site.url))).toMatchObject({ kind: 'success', attempts: 2 });
  });

  it.each([301, 302, 307, 308])('%i is a failure, and the redirect is not followed', async (status) => {
    const target = await receiver();
    const site = await receiver({ status, redirectTo: target.url });

    const outcome = await clientFor([site, target]).deliver(signed(site.url));

    expect(outcome).toMatchObject({
      kind: 'failed',
      status,
      attempts: 1,
      error: `HTTP ${status} (redirect to ${target.url} not followed)`,
    });
    expect(site.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
  });

  it.each([400, 401, 404, 422])('%i is a failure, not retried', async (status) => {
    const site = await receiver({ status, body: '{"error":"nope"}' });
    const outcome = await clientFor([site]).deliver(signed(site.url));
    expect(outcome).toMatchObject({
      kind: 'failed',
      status,
      attempts: 1,
      responseSnippet: '{"error":"nope"}',
    });
    expect(site.requests).toHaveLength(1);
  });

  it('410 means gone: not retried', async () => {
    const site = await receiver({ status: 410 });
    const outcome = await clientFor([site]).deliver(signed(site.url));
    expect(outcome).toMatchObject({ kind: 'gone', status: 410, error: 'HTTP 410', attempts: 1 });
    expect(site.requests).toHaveLength(1);
  });

  it('429 with a long Retry-After is throttled, with the wait, and left to the durable schedule', async () => {
    const site = await receiver({ status: 429, retryAfter: '120' });
    const outcome = await clientFor([site]).deliver(signed(site.url));
    expect(outcome).toMatchObject({ kind: 'throttled', status: 429, retryAfterMs: 120_000, attempts: 1 });
    expect(site.requests).toHaveLength(1);
  });

  it('429 with an HTTP-date Retry-After is throttled until that date', async () => {
    const site = await receiver({ status: 429, retryAfter: new Date(Date.now() + 600_000).toUTCString() });
    const outcome = await clientFor([site]).deliver(signed(site.url));
    expect(outcome.kind).toBe('throttled');
    expect(outcome.retryAfterMs).toBeGreaterThan(595_000);
    expect(outcome.retryAfterMs).toBeLessThanOrEqual(600_000);
  });

  it('503 with a Retry-After within the next quick delay is retried quickly', async () => {
    const site = await receiver([{ status: 503, retryAfter: '0' }, { status: 200 }]);
    const onQuickRetry = vi.fn();
    const outcome = await clientFor([site]).deliver(signed(site.url), { onQuickRetry });
    expect(outcome).toMatchObject({ kind: 'success', attempts: 2 });
    expect(onQuickRetry).toHaveBeenCalledWith(
      2,
      expect.objectContaining({ kind: 'throttled', retryAfterMs: 0 }),
      10,
    );
  });
});

describe('deliver: network failures', () => {
  it('times out a receiver that never answers, without hanging, and leaves it to the durable schedule', async () => {
    const site = await receiver({ hang: true });
    const onQuickRetry = vi.fn();
    const started = Date.now();

    const outcome = await clientFor([site], { timeoutMs: 150, quickRetryDelaysMs: [10] }).deliver(
      signed(site.url),
      { onQuickRetry },
    );

    // A whole attempt without an answer is no blip: no quick retry holds the slot for another timeout.
    expect(outcome).toMatchObject({ kind: 'retryable', status: null, error: 'timeout', attempts: 1 });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(onQuickRetry).not.toHaveBeenCalled();
    expect(site.requests).toHaveLength(1);
  });

  it('times out on time while still connecting, never sends that request later, and frees its slot', async () => {
    const site = await receiver();
    const network = loopbackNetwork();
    // The destination's name resolves only after the first attempt's timeout (a slow resolver), then at once.
    let lookups = 0;
    const lookup = async () => {
      if (lookups++ === 0) await new Promise((resolve) => setTimeout(resolve, 300));
      return [{ address: '93.184.215.14', family: 4 }];
    };
    const sender = client({
      lookup,
      socketConnector: network.socketConnector,
      allowedOrigins: [],
      timeoutMs: 100,
      quickRetryDelaysMs: [],
      connections: 1,
      reservedConnections: 0,
    });

    const late = await sender.deliver(signed(`http://slow.test:${site.port}/hook`));
    expect(late).toMatchObject({ kind: 'retryable', status: null, error: 'timeout', attempts: 1 });
    expect(late.latencyMs).toBeLessThan(300);

    // Another path of the origin takes its one responsive slot once undici has dropped the late request.
    const started = performance.now();
    const next = await sender.deliver(signed(`http://slow.test:${site.port}/other`));
    expect(next).toMatchObject({ kind: 'success', status: 200 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    // The late one did connect, after its timeout…
    expect(network.intended).toEqual(['93.184.215.14', '93.184.215.14']);
    // …but only the second delivery reached the receiver
    expect(site.requests.map((request) => request.path)).toEqual(['/other']);
  });

  it('times out a response whose body stalls after the headers', async () => {
    const site = await receiver({ status: 200, hang: 'mid-body' });
    const outcome = await clientFor([site], { timeoutMs: 150, quickRetryDelaysMs: [] }).deliver(
      signed(site.url),
    );
    expect(outcome).toMatchObject({ kind: 'retryable', status: 200, error: 'timeout', attempts: 1 });
  });

  it('reports connection refused as retryable with the error code', async () => {
    const port = await unusedPort();
    const origin = `http://127.0.0.1:${port}`;
    const onQuickRetry = vi.fn();

    const outcome = await client({ allowedOrigins: [origin] }).deliver(signed(`${origin}/hook`), {
      onQuickRetry,
    });

    expect(outcome).toMatchObject({ kind: 'retryable', status: null, error: 'ECONNREFUSED', attempts: 4 });
    expect(onQuickRetry).toHaveBeenCalledTimes(3);
  });

  it('reports a connection destroyed before the response as retryable', async () => {
    const site = await receiver([{ destroy: 'before-response' }, { status: 200 }]);
    const onQuickRetry = vi.fn();
    const outcome = await clientFor([site]).deliver(signed(site.url), { onQuickRetry });
    expect(outcome).toMatchObject({ kind: 'success', attempts: 2 });
    const [, failed] = onQuickRetry.mock.calls[0] as [number, DeliveryOutcome];
    expect(failed).toMatchObject({ kind: 'retryable', status: null });
    expect(failed.error).toMatch(/^(UND_ERR_SOCKET|ECONNRESET|EPIPE)$/);
  });

  it('does not trust a 200 whose body is cut off mid-response: retryable, status kept', async () => {
    const site = await receiver({ destroy: 'mid-body' });
    const outcome = await clientFor([site], { quickRetryDelaysMs: [] }).deliver(signed(site.url));
    expect(outcome).toMatchObject({ kind: 'retryable', status: 200, responseSnippet: null, attempts: 1 });
    expect(outcome.error).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)$/);
  });

  it('returns retryable ENOTFOUND for a host that does not resolve', async () => {
    const lookup = fakeDns({});
    const outcome = await client({ lookup, quickRetryDelaysMs: [] }).deliver(
      signed('http://nowhere.test/hook'),
    );
    expect(outcome).toMatchObject({ kind: 'retryable', status: null, error: 'ENOTFOUND' });
  });
});

describe('deliver: bounded reads and concurrency', () => {
  it('reads at most maxResponseBytes of a 10 MB response and stops reading', async () => {
    const site = await receiver({ status: 200, bodyBytes: 10 * 1024 * 1024 });

    const outcome = await clientFor([site]).deliver(signed(site.url));

    expect(outcome).toMatchObject({ kind: 'success', status: 200, attempts: 1 });
    expect(Buffer.byteLength(outcome.responseSnippet!)).toBe(64 * 1024);
    await vi.waitFor(() => expect(site.cutShort).toBe(1));
  });

  it('stops reading an endless response (it would never finish otherwise)', async () => {
    const site = await receiver({ status: 500, bodyBytes: Infinity });
    const outcome = await clientFor([site], { maxResponseBytes: 1_000, quickRetryDelaysMs: [] }).deliver(
      signed(site.url),
    );
    expect(outcome).toMatchObject({ kind: 'retryable', status: 500, responseSnippet: 'x'.repeat(1_000) });
    await vi.waitFor(() => expect(site.cutShort).toBe(1));
  });

  it('cuts the snippet at the byte limit without splitting a character', async () => {
    const site = await receiver({ status: 400, body: 'é'.repeat(10) });
    const outcome = await clientFor([site], { maxResponseBytes: 5 }).deliver(signed(site.url));
    expect(outcome.responseSnippet).toBe('éé');
  });

  it('keeps at most `connections` requests of an origin in flight while its destinations answer', async () => {
    const site = await receiver({ status: 200, delayMs: 30 });
    const sender = clientFor([site], { connections: 4, slowConnections: 2 });

    const outcomes = await Promise.all(Array.from({ length: 20 }, () => sender.deliver(signed(site.url))));

    expect(outcomes.every((outcome) => outcome.kind === 'success')).toBe(true);
    expect(site.requests).toHaveLength(20);
    expect(site.maxInFlight).toBeLessThanOrEqual(4);
    expect(site.maxInFlight).toBeGreaterThan(1);
    // undici's pool holds both lanes; a connection freed one turn late may be replaced by a new one.
    expect(site.connections).toBeLessThanOrEqual(6);
  });
});

describe('deliver: SSRF guard at delivery time', () => {
  it.each([
    ['a private address', 'internal.test', ['10.0.0.1'], 'a private address (10.0.0.1)'],
    [
      'the cloud metadata address',
      'metadata.test',
      ['169.254.169.254'],
      'a link-local address (169.254.169.254)',
    ],
    ['loopback', 'loopback.test', ['127.0.0.1'], 'a loopback address (127.0.0.1)'],
    ['IPv6 loopback', 'v6.test', ['::1'], 'a loopback address (::1)'],
    [
      'a mix of public and private addresses',
      'mixed.test',
      ['93.184.215.14', '10.0.0.1'],
      'a private address (10.0.0.1)',
    ],
  ])('refuses a host that resolves to %s, sending nothing', async (_what, host, addresses, kind) => {
    const site = await receiver();
    const network = loopbackNetwork();
    const lookup = fakeDns({ [host]: addresses });

    const outcome = await client({ lookup, socketConnector: network.socketConnector }).deliver(
      signed(`http://${host}:${site.port}/hook`),
    );

    expect(outcome).toMatchObject({ kind: 'blocked', status: null, attempts: 1, retryAfterMs: null });
    expect(outcome.error).toBe(
      `${host} resolves to ${kind}; to send to it on purpose, add its origin http://${host}:${site.port} ` +
        'to ALLOWED_DESTINATION_ORIGINS',
    );
    expect(network.intended).toEqual([]);
    expect(site.requests).toHaveLength(0);
  });

  it.each([
    ['10.0.0.1', '10.0.0.1', 'private'],
    ['169.254.169.254', '169.254.169.254', 'link-local'],
    ['[::1]', '::1', 'loopback'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1', 'loopback'], // as URL normalizes it
  ])('refuses the IP literal %s', async (ip, address, kind) => {
    const network = loopbackNetwork();
    const outcome = await client({ socketConnector: network.socketConnector }).deliver(
      signed(`http://${ip}:8080/hook`),
    );
    expect(outcome.kind).toBe('blocked');
    const origin = `http://${address.includes(':') ? `[${address}]` : address}:8080`;
    expect(outcome.error).toBe(
      `the destination is a ${kind} address (${address}); to send to it on purpose, add its origin ${origin} ` +
        'to ALLOWED_DESTINATION_ORIGINS',
    );
    expect(network.intended).toEqual([]);
  });

  it('lets 127.0.0.1 through only when its exact origin is allowed', async () => {
    const site = await receiver();
    const other = await receiver();

    const refused = await client({ allowedOrigins: [other.origin] }).deliver(signed(site.url));
    expect(refused).toMatchObject({ kind: 'blocked', status: null });
    expect(site.requests).toHaveLength(0);

    const allowed = await client({ allowedOrigins: [site.origin] }).deliver(signed(site.url));
    expect(allowed).toMatchObject({ kind: 'success', status: 200 });
    expect(site.requests).toHaveLength(1);
  });

  it('refuses localhost names without asking DNS', async () => {
    const site = await receiver();
    const lookup = fakeDns({ localhost: ['93.184.215.14'] });
    const outcome = await client({ lookup }).deliver(signed(`http://localhost:${site.port}/hook`));
    expect(outcome).toMatchObject({
      kind: 'blocked',
      error:
        `localhost is this machine; to send to it on purpose, add its origin http://localhost:${site.port} ` +
        'to ALLOWED_DESTINATION_ORIGINS',
    });
    expect(lookup.calls).toEqual([]);
  });

  it('refuses URLs that are not http(s) or carry credentials', async () => {
    const sender = client({ allowedOrigins: ['http://127.0.0.1:1'] });
    expect(await sender.deliver(signed('ftp://127.0.0.1:1/hook'))).toMatchObject({
      kind: 'blocked',
      attempts: 1,
    });
    expect(await sender.deliver(signed('http://user:pw@127.0.0.1:1/hook'))).toMatchObject({
      kind: 'blocked',
      error: 'destination URL must not contain a user name or password',
    });
    expect(await sender.deliver(signed('not a url'))).toMatchObject({ kind: 'blocked' });
  });

  it('connects to exactly the checked address: a DNS answer that changes (rebinding) is never used', async () => {
    const site = await receiver({ status: 200, headers: { connection: 'close' } });
    const network = loopbackNetwork();
    const answers = [['93.184.215.14'], ['169.254.169.254']];
    const lookup = fakeDns({ 'hooks.example.test': () => answers.shift() ?? ['10.0.0.1'] });
    const sender = client({ lookup, socketConnector: network.socketConnector });
    const url = `http://hooks.example.test:${site.port}/hook`;

    // First connection: the public answer is checked, and the socket layer is handed exactly that address.
    expect(await sender.deliver(signed(url))).toMatchObject({ kind: 'success' });
    expect(network.intended).toEqual(['93.184.215.14']);
    // The receiver closed the connection, so the next delivery resolves again: one lookup per connection, no
    // second resolution between check and connect for the rebinding answer to slip into.
    expect(await sender.deliver(signed(url))).toMatchObject({ kind: 'blocked' });
    expect(lookup.calls).toEqual(['hooks.example.test', 'hooks.example.test']);
    expect(network.intended).toEqual(['93.184.215.14']);
    expect(site.requests).toHaveLength(1);
  });
});

describe('deliver over https', () => {
  it('connects to the pinned address yet verifies the certificate against the real host name', async () => {
    const tls = selfSignedCertificate('hooks.example.test');
    const site = await receiver({ status: 200, body: 'secure' }, { tls });
    const network = loopbackNetwork({ ca: tls.cert });
    const lookup = fakeDns({
      'hooks.example.test': ['93.184.215.14'],
      'other.example.test': ['93.184.215.14'],
    });
    const sender = client({ lookup, socketConnector: network.socketConnector, quickRetryDelaysMs: [] });

    const outcome = await sender.deliver(signed(`https://hooks.example.test:${site.port}/hook`));
    expect(outcome).toMatchObject({ kind: 'success', status: 200, responseSnippet: 'secure' });
    expect(network.intended).toEqual(['93.184.215.14']);

    // The same address under a name the certificate does not cover is refused by TLS: the host name, not the
    // pinned address, is what the certificate is checked against.
    const mismatch = await sender.deliver(signed(`https://other.example.test:${site.port}/hook`));
    expect(mismatch).toMatchObject({
      kind: 'retryable',
      status: null,
      error: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    expect(site.requests).toHaveLength(1);
  });
});

describe('createGuardedConnector', () => {
  it('gives each connection its own checked answer, even when connections to one host overlap', async () => {
    const handed: string[][] = [];
    const buildBase = (options: buildConnector.BuildOptions): buildConnector.connector => {
      const guardLookup = (options as { lookup?: LookupFunction }).lookup;
      return (connectOptions, callback) => {
        if (!guardLookup) return callback(new Error('unexpected direct connection'), null);
        guardLookup(connectOptions.hostname, { all: true }, (error, addresses) => {
          if (error) return callback(error, null);
          handed.push((addresses as LookupAddress[]).map(({ address }) => address));
          callback(new Error('fake socket layer'), null);
        });
      };
    };
    const answers = [['93.184.215.14'], ['1.1.1.1', '2606:4700:4700::1111']];
    const connect = createGuardedConnector({
      allowedOrigins: [],
      connectTimeoutMs: 1_000,
      lookup: async () =>
        answers.shift()!.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      buildBase,
    });
    const open = () =>
      new Promise<Error | null>((resolve) =>
        connect({ protocol: 'https:', hostname: 'a.example', host: 'a.example', port: '' }, (...args) =>
          resolve(args[0]),
        ),
      );

    const errors = await Promise.all([open(), open()]);

    expect(errors.map((error) => error?.message)).toEqual(['fake socket layer', 'fake socket layer']);
    expect(handed).toEqual([['93.184.215.14'], ['1.1.1.1', '2606:4700:4700::1111']]);
  });
});

describe('deliver: per-origin lanes', () => {
  /** One receiving app serving many sites by path: paths under /hung accept and never answer. */
  const byPath = (request: { path: string }) =>
    request.path.startsWith('/hung') ? { hang: true as const } : {};
  const pathsOf = (site: Receiver, prefix: string) =>
    site.requests.filter((request) => request.path.startsWith(prefix)).length;

  it('moves a request without response headers after slowAfterMs to the slow lane, freeing its slot', async () => {
    const site = await receiver(byPath);
    const sender = clientFor([site], {
      connections: 2,
      reservedConnections: 0,
      slowConnections: 2,
      slowAfterMs: 100,
      timeoutMs: 1_500,
    });
    const idle = [vi.fn(), vi.fn()];
    const hung = idle.map((onIdle, index) =>
      sender.deliver(signed(`${site.origin}/hung/${index}`), { onIdle }),
    );
    await vi.waitFor(() => expect(site.inFlight).toBe(2));

    const started = performance.now();
    const healthy = await sender.deliver(signed(`${site.origin}/ok`));
    const waited = performance.now() - started;

    expect(healthy).toMatchObject({ kind: 'success', status: 200, attempts: 1 });
    expect(waited).toBeLessThan(500);
    // One move was enough for the healthy path; the other hung request moves at a later sweep.
    await vi.waitFor(() => {
      for (const onIdle of idle) expect(onIdle).toHaveBeenCalledTimes(1);
    });
    for (const outcome of await Promise.all(hung))
      expect(outcome).toMatchObject({ kind: 'retryable', error: 'timeout', attempts: 1 });
    console.log(`[lanes] healthy path waited ${waited.toFixed(0)} ms behind 2 hung paths (slowAfterMs 100)`);
  });

  it('starts a destination that timed out in the slow lane: it waits for a slow slot, never a responsive one', async () => {
    const site = await receiver(byPath);
    const sender = clientFor([site], {
      connections: 2,
      reservedConnections: 0,
      slowConnections: 1,
      slowAfterMs: 60_000,
      timeoutMs: 200,
    });
    const url = `${site.origin}/hung/a`;
    expect(await sender.deliver(signed(url))).toMatchObject({ error: 'timeout' });

    const idle = [vi.fn(), vi.fn()];
    const again = idle.map((onIdle) => sender.deliver(signed(url), { onIdle }));
    // Both are idle at once: one holds the slow slot, the other waits for it.
    for (const onIdle of idle) expect(onIdle).toHaveBeenCalledTimes(1);
    const healthy = await Promise.all([1, 2].map((n) => sender.deliver(signed(`${site.origin}/ok/${n}`))));
    expect(healthy.map((outcome) => outcome.kind)).toEqual(['success', 'success']);
    expect(pathsOf(site, '/hung')).toBe(2); // the first attempt and one of the two: the other still waits

    await Promise.all(again);
    const hungRequests = site.requests.filter((request) => request.path === '/hung/a');
    expect(hungRequests).toHaveLength(3);
    // The third went out only once the second had timed out (the one slow slot).
    expect(hungRequests[2]!.startedAt - hungRequests[1]!.startedAt).toBeGreaterThanOrEqual(180);
  });

  it('hands a slow destination to the durable schedule, unsent, when no slow slot frees within a timeout', async () => {
    const site = await receiver(byPath);
    const sender = clientFor([site], {
      connections: 2,
      reservedConnections: 0,
      slowConnections: 1,
      slowAfterMs: 50,
      timeoutMs: 400,
    });
    const url = `${site.origin}/hung/a`;
    expect(await sender.deliver(signed(url))).toMatchObject({ error: 'timeout', attempts: 1 });

    // Another hung path moves to the one slow slot; the two deliveries to the known-slow URL wait behind it.
    const holder = sender.deliver(signed(`${site.origin}/hung/x`));
    await vi.waitFor(() => expect(site.inFlight).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [first, second] = await Promise.all([sender.deliver(signed(url)), sender.deliver(signed(url))]);

    expect(first).toMatchObject({ kind: 'retryable', error: 'timeout', attempts: 1 });
    expect(second).toMatchObject({
      kind: 'retryable',
      status: null,
      error: SLOW_LANE_FULL,
      attempts: 0,
      latencyMs: 0,
    });
    expect(await holder).toMatchObject({ error: 'timeout' });
    expect(site.requests.map((request) => request.path)).toEqual(['/hung/a', '/hung/x', '/hung/a']);
  });

  it('keeps reserved responsive slots for destinations that answered once an origin has slow ones', async () => {
    const site = await receiver(byPath);
    const sender = clientFor([site], {
      connections: 4,
      reservedConnections: 2,
      slowConnections: 1,
      slowAfterMs: 60_000,
      timeoutMs: 600,
    });
    expect(await sender.deliver(signed(`${site.origin}/hung/0`))).toMatchObject({ error: 'timeout' });
    expect(await sender.deliver(signed(`${site.origin}/ok`))).toMatchObject({ kind: 'success' });

    const hung = [1, 2, 3, 4].map((n) => sender.deliver(signed(`${site.origin}/hung/${n}`)));
    await vi.waitFor(() => expect(site.inFlight).toBe(2));
    const started = performance.now();
    const known = await sender.deliver(signed(`${site.origin}/ok`));
    const waited = performance.now() - started;

    expect(known).toMatchObject({ kind: 'success', status: 200 });
    expect(waited).toBeLessThan(300);
    // Destinations not known to answer took only the unreserved slots; the other two waited.
    expect(pathsOf(site, '/hung/')).toBe(3);
    await Promise.all(hung);
    expect(pathsOf(site, '/hung/')).toBe(5);
  });

  it('lets destinations not known yet take every responsive slot of an origin without slow ones', async () => {
    const site = await receiver({ status: 200, delayMs: 100 });
    const sender = clientFor([site], { connections: 4, reservedConnections: 2 });
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map((n) => sender.deliver(signed(`${site.origin}/new/${n}`))),
    );
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['success', 'success', 'success', 'success']);
    expect(site.maxInFlight).toBe(4);
  });

  it('tells the caller it is idle once, when it sleeps before a quick retry', async () => {
    const site = await receiver([{ status: 500 }, { status: 502 }, { status: 200 }]);
    const onIdle = vi.fn();
    const outcome = await clientFor([site]).deliver(signed(site.url), { onIdle });
    expect(outcome).toMatchObject({ kind: 'success', attempts: 3 });
    expect(onIdle).toHaveBeenCalledTimes(1);

    const quick = vi.fn();
    expect(await clientFor([site]).deliver(signed(site.url), { onIdle: quick })).toMatchObject({
      kind: 'success',
      attempts: 1,
    });
    expect(quick).not.toHaveBeenCalled();
  });

  it('keeps origins apart: a fully hung origin does not delay another', async () => {
    const hungSite = await receiver({ hang: true });
    const other = await receiver();
    const sender = clientFor([hungSite, other], { connections: 2, slowConnections: 2, timeoutMs: 500 });
    const hung = [1, 2, 3, 4, 5, 6].map((n) => sender.deliver(signed(`${hungSite.origin}/hook/${n}`)));
    await vi.waitFor(() => expect(hungSite.inFlight).toBe(2));

    const started = performance.now();
    const outcomes = await Promise.all(
      [1, 2, 3].map((n) => sender.deliver(signed(`${other.origin}/hook/${n}`))),
    );
    expect(performance.now() - started).toBeLessThan(300);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['success', 'success', 'success']);
    await Promise.all(hung);
  });
});
