import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, buildConnector, request } from 'undici';
import type { Dispatcher } from 'undici';
import {
  checkHttpUrl,
  defaultLookup,
  isBlockedAddress,
  resolve as resolveHost,
  type Lookup,
  type ResolvedAddress,
} from '../sites/destination-url.js';
import { QUICK_RETRY_DELAYS_MS, classifyResponse, retryAfterMs, type ResponseClass } from './retry-policy.js';

// One webhook delivery: a POST with keep-alive, bounded concurrency, a timeout, a bounded read of the answer, and
// quick retries for blips. No database: the worker records what this returns and schedules durable retries.

/**
 * What one deliver() call came to (after its quick retries):
 * - success: 2xx, the receiver has the payload.
 * - gone: 410, the receiver says the endpoint is gone for good: disable the site.
 * - throttled: 429/503, wait `retryAfterMs` (when set) or the durable schedule before the next attempt.
 * - retryable: other 5xx, 408, timeout, connection refused/reset, DNS failure, a response cut off mid-way.
 * - failed: 3xx (redirects are not followed) and other 4xx: not retried quickly, since the same request a second
 *   later will not do better; whether to retry durably is the worker's policy.
 * - blocked: refused before sending (SSRF guard, or not an http(s) URL): no byte left for the destination; the
 *   site's URL (or the allowed origins) must change, so retrying is pointless.
 */
export type DeliveryKind = ResponseClass | 'blocked';

export interface DeliveryOutcome {
  kind: DeliveryKind;
  /** The HTTP status of the last attempt; null when no response came. */
  status: number | null;
  /** Of the last HTTP attempt, from the start of sending (not time queued for a connection slot). */
  latencyMs: number;
  /** `timeout`, an error code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET…), `HTTP <status>…`, or why it was blocked. */
  error: string | null;
  /** For throttled responses: what Retry-After asked for (capped at 1 h), or null when absent/invalid. */
  retryAfterMs: number | null;
  /** The start of the response body (at most maxResponseBytes of UTF-8), or null when empty / no response. */
  responseSnippet: string | null;
  /** HTTP attempts made by this deliver() call: 1 + quick retries. */
  attempts: number;
}

export interface DeliveryRequest {
  url: string;
  /**
   * The request headers, or a function of the attempt number (1, 2, …) returning them: Standard Webhooks wants a
   * fresh `webhook-timestamp` (and so signature) per attempt, with the same `webhook-id`.
   */
  headers: Record<string, string> | ((attempt: number, body: string | Uint8Array) => Record<string, string>);
  /**
   * Bytes as they go on the wire (a string goes as UTF-8), or a function that builds them: called once per
   * deliver(), when its first attempt has an HTTP slot, so that a caller with a thousand deliveries waiting for the
   * 64 slots does not hold a thousand bodies (17 MB of them per thousand 16 KB payloads).
   */
  body: string | Uint8Array | (() => string | Uint8Array);
}

/** A deliver() call's body once built (DeliveryRequest.body): the same bytes for each of its attempts. */
interface BuiltBody {
  body?: string | Uint8Array;
}

export interface DeliveryHooks {
  /** Called before each quick retry with the number of the attempt about to be made (2, 3, …) and what failed. */
  onQuickRetry?(attempt: number, outcome: DeliveryOutcome, delayMs: number): void;
}

export interface DeliveryClientOptions {
  /** Connections per destination origin and requests in flight overall (default 64). */
  connections?: number;
  /** Per HTTP attempt: connecting, sending, the response headers and the body read (default 15 s). */
  timeoutMs?: number;
  /** How much of a response body is read (default 64 KiB); the rest is never read. */
  maxResponseBytes?: number;
  /** Waits before each quick retry (default 0.5 s, 1 s, 2 s); `[]` disables quick retries. */
  quickRetryDelaysMs?: readonly number[];
  /** Exact origins (`http://127.0.0.1:3001`) exempt from the SSRF address check: the demo landing pages. */
  allowedOrigins: readonly string[];
  /** DNS override (tests); default: the system resolver, every address. */
  lookup?: Lookup;
  /** Sent unless the request has its own user-agent header. */
  userAgent?: string;
  /** Opens the sockets once the guard has passed (default: undici's buildConnector). A test seam. */
  socketConnector?: GuardedConnectorOptions['buildBase'];
}

export interface DeliveryClient {
  /** Never rejects for network or HTTP reasons: every failure is an outcome. */
  deliver(request: DeliveryRequest, hooks?: DeliveryHooks): Promise<DeliveryOutcome>;
  /** Waits for requests in flight, then closes every connection. */
  close(): Promise<void>;
}

const DEFAULT_CONNECTIONS = 64;
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const DEFAULT_USER_AGENT = 'DataSync-Webhooks/1';
const MAX_REMEMBERED_URLS = 10_000;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Thrown by the connector when the destination's addresses may not be reached; becomes a `blocked` outcome. */
export class BlockedDestinationError extends Error {
  readonly code = 'DATASYNC_BLOCKED_DESTINATION';
}

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
    checkedAddresses(hostname, lookup).then(
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

async function checkedAddresses(hostname: string, lookup: Lookup): Promise<ResolvedAddress[] | 'ip-literal'> {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (isIP(host)) {
    if (isBlockedAddress(host)) {
      throw new BlockedDestinationError(`${host} is a private, loopback, link-local or reserved address`);
    }
    return 'ip-literal';
  }
  // RFC 6761: localhost names are this machine, whatever a resolver says (as in checkDestinationUrl).
  if (host === 'localhost' || host.endsWith('.localhost')) {
    throw new BlockedDestinationError(`${host} is this machine`);
  }
  const addresses = await resolveHost(host, lookup);
  if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
  const blocked = addresses.find(({ address }) => isBlockedAddress(address));
  if (blocked) {
    throw new BlockedDestinationError(
      `${host} resolves to ${blocked.address}, a private, loopback, link-local or reserved address`,
    );
  }
  return addresses;
}

/** A counting semaphore, FIFO: at most `size` holders at once. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** A slot now, or null when none is free (no promise on the common path: one per delivery adds up). */
  take(): (() => void) | null {
    if (this.#free === 0) return null;
    this.#free--;
    return this.#releaser();
  }

  async wait(): Promise<() => void> {
    const slot = this.take();
    if (slot) return slot;
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

type AttemptResult = Omit<DeliveryOutcome, 'attempts' | 'latencyMs'>;

function errorCode(error: unknown): string {
  const { code, message, errors } = (error ?? {}) as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string') return TIMEOUT_CODES.has(code) ? 'timeout' : code;
  // net's happy-eyeballs reports an AggregateError when every address failed.
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0]);
  return typeof message === 'string' && message ? message : 'unknown error';
}

/**
 * Reads at most `limit` bytes, then destroys the body: a receiver cannot make us buffer without bound. Events rather
 * than `for await`: an async iterator costs a few promises per chunk, on every delivery's (usually tiny) answer.
 */
function readBounded(body: Dispatcher.ResponseData['body'], limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      // The error listener stays: destroying the body below makes undici emit an AbortError, ours to ignore.
      body.off('data', onData).off('end', onEnd).off('close', onClose);
      if (error) reject(error);
      else resolve(snippetOf(chunks, size, limit));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= limit) return;
      settle(null);
      body.destroy(); // the rest is never read, and the connection is not reused
    };
    const onEnd = () => settle(null);
    const onError = (error: Error) => settle(error);
    // Destroyed without an error (an abort): the answer is incomplete.
    const onClose = () => settle(new Error('response body closed before its end'));
    body.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** The first `limit` bytes as text; a character cut in half at the limit is left out, so it stays within `limit`. */
function snippetOf(chunks: Buffer[], size: number, limit: number): string | null {
  if (size === 0) return null;
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  if (size <= limit) return bytes.toString('utf8');
  const text = new TextDecoder('utf-8').decode(bytes.subarray(0, limit), { stream: true });
  return text === '' ? null : text;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function quickRetryWorthIt(outcome: DeliveryOutcome, delayMs: number): boolean {
  if (outcome.kind === 'retryable') return true;
  // A receiver that asks for a longer pause than the next quick delay gets it through the durable schedule.
  return outcome.kind === 'throttled' && (outcome.retryAfterMs === null || outcome.retryAfterMs <= delayMs);
}

export function createDeliveryClient(options: DeliveryClientOptions): DeliveryClient {
  const connections = options.connections ?? DEFAULT_CONNECTIONS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const quickRetryDelaysMs = options.quickRetryDelaysMs ?? QUICK_RETRY_DELAYS_MS;
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  // undici's request() follows no redirects (that takes its redirect interceptor): a 3xx is a failure.
  const agent = new Agent({
    connections,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: createGuardedConnector({
      allowedOrigins: options.allowedOrigins,
      lookup: options.lookup,
      connectTimeoutMs: timeoutMs,
      buildBase: options.socketConnector,
    }),
  });
  const slots = new Slots(connections);

  /** One HTTP exchange; frees its connection slot when undici is done with it (`release`). */
  async function exchange(
    url: string,
    headers: Record<string, string>,
    body: string | Uint8Array,
    signal: AbortSignal,
    progress: { status: number | null },
    release: () => void,
  ): Promise<AttemptResult> {
    let status: number | null = null;
    try {
      const response = await request(url, { dispatcher: agent, method: 'POST', headers, body, signal });
      status = progress.status = response.statusCode;
      const snippet = await readBounded(response.body, maxResponseBytes);
      const kind = classifyResponse(status);
      const location = firstHeader(response.headers.location);
      const redirect =
        status >= 300 && status < 400 && location ? ` (redirect to ${location} not followed)` : '';
      return {
        kind,
        status,
        error: kind === 'success' ? null : `HTTP ${status}${redirect}`,
        retryAfterMs:
          kind === 'throttled' ? retryAfterMs(firstHeader(response.headers['retry-after'])) : null,
        responseSnippet: snippet,
      };
    } catch (error) {
      if (error instanceof BlockedDestinationError) {
        return {
          kind: 'blocked',
          status: null,
          error: error.message,
          retryAfterMs: null,
          responseSnippet: null,
        };
      }
      // Also when the status line came but the body broke off: a 2xx whose response was cut is not trusted as
      // accepted; receivers dedupe on webhook-id, so sending again is safe.
      return {
        kind: 'retryable',
        status,
        error: signal.aborted ? 'timeout' : errorCode(error),
        retryAfterMs: null,
        responseSnippet: null,
      };
    } finally {
      release();
    }
  }

  async function attemptOnce(
    deliveryRequest: DeliveryRequest,
    attempt: number,
    built: BuiltBody,
  ): Promise<DeliveryOutcome> {
    const { url } = deliveryRequest;
    const refusal = refusalOf(url);
    if (refusal) {
      return {
        kind: 'blocked',
        status: null,
        latencyMs: 0,
        error: refusal,
        retryAfterMs: null,
        responseSnippet: null,
        attempts: attempt,
      };
    }
    const release = slots.take() ?? (await slots.wait());
    let body: string | Uint8Array;
    let headers: Record<string, string>;
    try {
      body = built.body ??=
        typeof deliveryRequest.body === 'function' ? deliveryRequest.body() : deliveryRequest.body;
      const given =
        typeof deliveryRequest.headers === 'function'
          ? deliveryRequest.headers(attempt, body)
          : deliveryRequest.headers;
      headers = Object.keys(given).some((name) => name.toLowerCase() === 'user-agent')
        ? given
        : { ...given, 'user-agent': userAgent };
    } catch (error) {
      release();
      throw error;
    }
    const started = performance.now();
    const controller = new AbortController();
    const progress = { status: null as number | null };
    // undici only notices an abort once the request is on a socket, so a request still connecting (or resolving)
    // would outlive the timeout: the timer answers on time, and the slot is released when undici is really done.
    // One promise settled by whichever comes first (a Promise.race would cost two more per attempt).
    const result = await new Promise<AttemptResult>((resolve) => {
      const timer = setTimeout(() => {
        controller.abort();
        resolve({
          kind: 'retryable',
          status: progress.status,
          error: 'timeout',
          retryAfterMs: null,
          responseSnippet: null,
        });
      }, timeoutMs);
      void exchange(url, headers, body, controller.signal, progress, release).then((answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
    return {
      ...result,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      attempts: attempt,
    };
  }

  // Whether a URL may be sent to does not change: decided once per URL (a bounded memo), not parsed per attempt.
  const refusals = new Map<string, string | null>();
  function refusalOf(url: string): string | null {
    let refusal = refusals.get(url);
    if (refusal === undefined) {
      if (refusals.size >= MAX_REMEMBERED_URLS) refusals.clear();
      refusal = refuseUrl(url);
      refusals.set(url, refusal);
    }
    return refusal;
  }

  return {
    async deliver(deliveryRequest, hooks) {
      const built: BuiltBody = {};
      for (let attempt = 1; ; attempt++) {
        const outcome = await attemptOnce(deliveryRequest, attempt, built);
        const delayMs = quickRetryDelaysMs[attempt - 1];
        if (delayMs === undefined || !quickRetryWorthIt(outcome, delayMs)) return outcome;
        hooks?.onQuickRetry?.(attempt + 1, outcome, delayMs);
        await sleep(delayMs);
      }
    },
    close: () => agent.close(),
  };
}

/** Why a URL is not sent to at all, or null. The address check happens when connecting (see the connector). */
function refuseUrl(url: string): string | null {
  const syntax = checkHttpUrl(url);
  if (syntax) return `destination URL ${syntax}`;
  const { username, password } = new URL(url);
  return username || password ? 'destination URL must not contain a user name or password' : null;
}
