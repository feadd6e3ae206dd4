import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { createGuardedConnector, type GuardedConnectorOptions } from '../../net/guarded-connector.js';
import { checkUrlShape, type Lookup } from '../../net/ssrf-guard.js';
import { exchange, type ExchangeTarget } from './http-exchange.js';
import { QUICK_RETRY_DELAYS_MS, type ResponseClass } from './retry-policy.js';

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
  // undici's dispatcher follows no redirects (that takes its redirect interceptor): a 3xx is a failure.
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

  async function attemptOnce(
    deliveryRequest: DeliveryRequest,
    attempt: number,
    built: BuiltBody,
  ): Promise<DeliveryOutcome> {
    const target = targetOf(deliveryRequest.url);
    if (typeof target === 'string') {
      return {
        kind: 'blocked',
        status: null,
        latencyMs: 0,
        error: target,
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
    const result = await exchange(agent, target, headers, body, { timeoutMs, maxResponseBytes }, release);
    return {
      ...result,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      attempts: attempt,
    };
  }

  // Whether a URL may be sent to, and where it goes, does not change: decided once per URL (a bounded memo), not
  // parsed per attempt.
  const targets = new Map<string, ExchangeTarget | string>();
  function targetOf(url: string): ExchangeTarget | string {
    let target = targets.get(url);
    if (target === undefined) {
      if (targets.size >= MAX_REMEMBERED_URLS) targets.clear();
      target = targetOrRefusal(url);
      targets.set(url, target);
    }
    return target;
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

/**
 * Where a URL's requests go (the origin and the path with its query, as the dispatcher takes them; the fragment is
 * never sent), or why it is not sent to at all. The address check happens when connecting (see the connector).
 */
function targetOrRefusal(url: string): ExchangeTarget | string {
  const refusal = checkUrlShape(url);
  if (refusal) return `destination URL ${refusal}`;
  const { origin, pathname, search } = new URL(url);
  return { origin, path: `${pathname}${search}` };
}
