import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { createGuardedConnector, type GuardedConnectorOptions } from '../../net/guarded-connector.js';
import { checkUrlShape, type Lookup } from '../../net/ssrf-guard.js';
import { exchange } from './http-exchange.js';
import { DeliveryLanes, type Destination } from './origin-lanes.js';
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
  /** HTTP attempts made by this deliver() call: 1 + quick retries (0 when its slow destination's lane stayed full). */
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

/**
 * One deliver() call's state: its body once built (DeliveryRequest.body), the same bytes for each attempt, and
 * whether its caller was told it is idle.
 */
class Delivery {
  body?: string | Uint8Array;
  #idle = false;
  readonly onIdle = () => {
    if (this.#idle) return;
    this.#idle = true;
    this.hooks?.onIdle?.();
  };

  constructor(readonly hooks: DeliveryHooks | undefined) {}
}

/** Where a URL's requests go, split once per URL (undici's dispatcher takes the origin and the path apart). */
interface Target extends Destination {
  origin: string;
  path: string;
}

export interface DeliveryHooks {
  /** Called before each quick retry with the number of the attempt about to be made (2, 3, …) and what failed. */
  onQuickRetry?(attempt: number, outcome: DeliveryOutcome, delayMs: number): void;
  /**
   * Called at most once, when the delivery stops using an active connection slot: it sleeps before a quick retry,
   * or waits in (or is moved to) its origin's slow lane. The caller may count it as parked and take other work.
   */
  onIdle?(): void;
}

export interface DeliveryClientOptions {
  /** Requests in flight per destination origin in its responsive lane (default 64). */
  connections?: number;
  /** Requests in flight per destination origin in its slow lane (default 64); undici's pool holds both lanes. */
  slowConnections?: number;
  /**
   * Responsive slots per origin only destinations that answered may take while the origin has had a destination
   * time out or move to the slow lane in the last minutes (default: an eighth of connections).
   */
  reservedConnections?: number;
  /** A request without response headers after this long moves to its origin's slow lane (default 0.5 s). */
  slowAfterMs?: number;
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
const DEFAULT_SLOW_AFTER_MS = 500;
/** A destination that timed out starts its requests in the slow lane this long, unless it answers before. */
const REMEMBER_SLOW_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const DEFAULT_USER_AGENT = 'DataSync-Webhooks/1';
const MAX_REMEMBERED_URLS = 10_000;

/** The error of an attempt that was never sent: its destination is slow and its origin's slow lane stayed full. */
export const SLOW_LANE_FULL = 'not sent: slow destination, its origin busy';

/**
 * A known-slow destination that waited a whole timeout for one of its origin's slow slots: nothing was sent (the
 * attempts made are the ones before), and the durable schedule takes it from here.
 */
function notSent(attempt: number): DeliveryOutcome {
  return {
    kind: 'retryable',
    status: null,
    latencyMs: 0,
    error: SLOW_LANE_FULL,
    retryAfterMs: null,
    responseSnippet: null,
    attempts: attempt - 1,
  };
}

function quickRetryWorthIt(outcome: DeliveryOutcome, delayMs: number): boolean {
  // A receiver that let a whole attempt time out is not blipping: the durable retry (~5 s) frees the slot meanwhile.
  if (outcome.kind === 'retryable') return outcome.error !== 'timeout' && outcome.error !== SLOW_LANE_FULL;
  // A receiver that asks for a longer pause than the next quick delay gets it through the durable schedule.
  return outcome.kind === 'throttled' && (outcome.retryAfterMs === null || outcome.retryAfterMs <= delayMs);
}

export function createDeliveryClient(options: DeliveryClientOptions): DeliveryClient {
  const connections = options.connections ?? DEFAULT_CONNECTIONS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const quickRetryDelaysMs = options.quickRetryDelaysMs ?? QUICK_RETRY_DELAYS_MS;
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const slowConnections = options.slowConnections ?? DEFAULT_CONNECTIONS;
  const lanes = new DeliveryLanes({
    connections,
    slowConnections,
    reservedConnections: options.reservedConnections ?? Math.floor(connections / 8),
    slowAfterMs: options.slowAfterMs ?? DEFAULT_SLOW_AFTER_MS,
    rememberSlowMs: REMEMBER_SLOW_MS,
  });
  // undici's dispatcher follows no redirects (that takes its redirect interceptor): a 3xx is a failure.
  const agent = new Agent({
    connections: connections + slowConnections,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: createGuardedConnector({
      allowedOrigins: options.allowedOrigins,
      lookup: options.lookup,
      connectTimeoutMs: timeoutMs,
      buildBase: options.socketConnector,
    }),
  });
  async function attemptOnce(
    deliveryRequest: DeliveryRequest,
    attempt: number,
    delivery: Delivery,
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
    const granted = lanes.acquire(target, delivery.onIdle, timeoutMs);
    const flight = granted instanceof Promise ? await granted : granted;
    if (flight === null) return notSent(attempt);
    let body: string | Uint8Array;
    let headers: Record<string, string>;
    try {
      body = delivery.body ??=
        typeof deliveryRequest.body === 'function' ? deliveryRequest.body() : deliveryRequest.body;
      const given =
        typeof deliveryRequest.headers === 'function'
          ? deliveryRequest.headers(attempt, body)
          : deliveryRequest.headers;
      headers = Object.keys(given).some((name) => name.toLowerCase() === 'user-agent')
        ? given
        : { ...given, 'user-agent': userAgent };
    } catch (error) {
      flight.release();
      throw error;
    }
    const started = performance.now();
    const result = await exchange(agent, target, headers, body, { timeoutMs, maxResponseBytes }, flight);
    if (result.error === 'timeout') lanes.timedOut(target);
    return {
      ...result,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      attempts: attempt,
    };
  }

  // Whether a URL may be sent to, and where it goes, does not change: decided once per URL (a bounded memo), not
  // parsed per attempt.
  // The same memo holds what the lanes know of each destination (answers, or is slow).
  const targets = new Map<string, Target | string>();
  function targetOf(url: string): Target | string {
    let target = targets.get(url);
    if (target === undefined) {
      if (targets.size >= MAX_REMEMBERED_URLS) {
        targets.clear();
        lanes.forgetIdle();
      }
      target = targetOrRefusal(url, lanes);
      targets.set(url, target);
    }
    return target;
  }

  return {
    async deliver(deliveryRequest, hooks) {
      const delivery = new Delivery(hooks);
      for (let attempt = 1; ; attempt++) {
        const outcome = await attemptOnce(deliveryRequest, attempt, delivery);
        const delayMs = quickRetryDelaysMs[attempt - 1];
        if (delayMs === undefined || !quickRetryWorthIt(outcome, delayMs)) return outcome;
        hooks?.onQuickRetry?.(attempt + 1, outcome, delayMs);
        delivery.onIdle();
        await sleep(delayMs);
      }
    },
    async close() {
      lanes.close();
      await agent.close();
    },
  };
}

/**
 * Where a URL's requests go (the origin and the path with its query, as the dispatcher takes them; the fragment is
 * never sent), or why it is not sent to at all. The address check happens when connecting (see the connector).
 */
function targetOrRefusal(url: string, lanes: DeliveryLanes): Target | string {
  const refusal = checkUrlShape(url);
  if (refusal) return `destination URL ${refusal}`;
  const { origin, pathname, search } = new URL(url);
  return {
    origin,
    path: `${pathname}${search}`,
    lanes: lanes.lanesOf(origin),
    answered: false,
    slowUntil: 0,
  };
}
