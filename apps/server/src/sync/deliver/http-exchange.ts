import type { Dispatcher } from 'undici';
import { BlockedDestinationError } from '../../net/ssrf-guard.js';
import { classifyResponse, retryAfterMs } from './retry-policy.js';
import type { DeliveryOutcome } from './deliver.js';

/** What one HTTP attempt came to; deliver() adds the attempt count and the latency. */
export type AttemptResult = Omit<DeliveryOutcome, 'attempts' | 'latencyMs'>;

/** Where an attempt goes, split once per URL (undici's dispatcher takes the origin and the path apart). */
export interface ExchangeTarget {
  origin: string;
  path: string;
}

/** The attempt's connection slot (origin-lanes.ts' Flight). */
export interface ExchangeSlot {
  /** The response headers arrived. */
  respond(): void;
  /** undici is done with the request: called once. */
  release(): void;
}

export interface ExchangeOptions {
  /** The whole attempt: connecting, sending, the response headers and the body read. */
  timeoutMs: number;
  /** How much of the response body is kept; past it the connection is dropped and the rest never read. */
  maxResponseBytes: number;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * One POST through undici's dispatcher with a handler of our own, rather than `request()`: that API wraps every
 * response in a Readable stream, an AbortSignal and a few promises, which for a 2-byte answer cost more than the
 * exchange itself (a quarter of the client's CPU per request). Settles
 * once, with whichever comes first: the answer, an error, or the timeout. `slot.release` is called once, when undici
 * is done with the request (its connection is free again), which after a timeout may be later than the answer.
 */
export function exchange(
  dispatcher: Dispatcher,
  target: ExchangeTarget,
  headers: Record<string, string>,
  body: string | Uint8Array,
  options: ExchangeOptions,
  slot: ExchangeSlot,
): Promise<AttemptResult> {
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    let status: number | null = null;
    let responseHeaders: Record<string, string | string[] | undefined> = {};
    let controller: Dispatcher.DispatchController | null = null;
    let timedOut = false;
    const chunks: Buffer[] = [];
    let size = 0;

    const settle = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const answer = () =>
      answerOf(status!, responseHeaders, snippetOf(chunks, size, options.maxResponseBytes));

    // undici's own timeouts (the agent's headersTimeout and bodyTimeout) start once the request is on a socket: a
    // request still connecting or resolving would outlive them, so this timer answers on time, and aborts the
    // request as soon as undici hands it a controller.
    const timer = setTimeout(() => {
      timedOut = true;
      settle(failure(status, 'timeout')); // first: aborting reports the abort as an error at once
      controller?.abort(new AttemptTimeoutError());
    }, options.timeoutMs);

    dispatcher.dispatch(
      { origin: target.origin, path: target.path, method: 'POST', headers, body },
      {
        onRequestStart(started) {
          controller = started;
          if (timedOut) started.abort(new AttemptTimeoutError());
        },
        onResponseStart(_controller, statusCode, headers) {
          status = statusCode;
          responseHeaders = headers;
          slot.respond();
        },
        onResponseData(current, chunk) {
          chunks.push(chunk);
          size += chunk.length;
          if (size <= options.maxResponseBytes) return;
          // Enough read: a receiver cannot make us buffer without bound. The connection is dropped, not reused.
          settle(answer());
          current.abort(new ResponseTooLongError());
        },
        onResponseEnd() {
          slot.release();
          settle(answer());
        },
        onResponseError(_controller, error) {
          slot.release();
          // Also when the status line came but the body broke off: a 2xx whose response was cut is not trusted as
          // accepted; receivers dedupe on webhook-id, so sending again is safe.
          settle(
            error instanceof BlockedDestinationError
              ? {
                  kind: 'blocked',
                  status: null,
                  error: error.message,
                  retryAfterMs: null,
                  responseSnippet: null,
                }
              : failure(status, errorCode(error)),
          );
        },
      },
    );
  });
}

class AttemptTimeoutError extends Error {
  readonly code = 'DATASYNC_ATTEMPT_TIMEOUT';
}

class ResponseTooLongError extends Error {
  readonly code = 'DATASYNC_RESPONSE_TOO_LONG';
}

function answerOf(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  snippet: string | null,
): AttemptResult {
  const kind = classifyResponse(status);
  const location = firstHeader(headers.location);
  const redirect = status >= 300 && status < 400 && location ? ` (redirect to ${location} not followed)` : '';
  return {
    kind,
    status,
    error: kind === 'success' ? null : `HTTP ${status}${redirect}`,
    retryAfterMs: kind === 'throttled' ? retryAfterMs(firstHeader(headers['retry-after'])) : null,
    responseSnippet: snippet,
  };
}

function failure(status: number | null, error: string): AttemptResult {
  return { kind: 'retryable', status, error, retryAfterMs: null, responseSnippet: null };
}

function errorCode(error: unknown): string {
  const { code, message, errors } = (error ?? {}) as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string') return TIMEOUT_CODES.has(code) ? 'timeout' : code;
  // net's happy-eyeballs reports an AggregateError when every address failed.
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0]);
  return typeof message === 'string' && message ? message : 'unknown error';
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
