// When to retry a webhook, and how long to wait. Pure: the delivery client and the queue worker share it.

/** Retries inside one attempt, for blips (a restarting receiver): the seed's schedule. */
export const QUICK_RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 2_000];

const SECOND = 1_000;
const HOUR = 3_600 * SECOND;

/** ±20 %: spreads the retries of many sites that failed together (one outage) so they do not return in lockstep. */
const JITTER = 0.2;

/**
 * How long a failing site waits before its durable retry number `retry` (the first is 1), from `schedule` (the
 * configured RETRY_SCHEDULE, in ms), or null when the schedule is exhausted and the delivery is failed: with the
 * default schedule, retry 1 → ~5 s, …, retry 7 → ~10 h, retry 8 → null. `random` returns [0, 1), as Math.random does.
 */
export function nextDurableDelay(
  schedule: readonly number[],
  retry: number,
  random: () => number = Math.random,
): number | null {
  if (!Number.isInteger(retry) || retry < 1) {
    throw new RangeError(`retry must be a positive integer, got ${retry}`);
  }
  const base = schedule[retry - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/** A receiver may not park a delivery longer than this with Retry-After; the durable schedule takes over. */
export const MAX_RETRY_AFTER_MS = HOUR;

// RFC 9110 §10.2.3: Retry-After is delta-seconds or an HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime
// forms, which all start with a day name). Date.parse alone would also take "2030-01-01" or "1/2/30".
const DELTA_SECONDS = /^\d+$/;
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /;

/** The wait a Retry-After header asks for, in ms (0 for a date in the past, at most MAX_RETRY_AFTER_MS), or null. */
export function retryAfterMs(header: string | undefined, now: number = Date.now()): number | null {
  const value = header?.trim();
  if (!value) return null;
  let ms: number;
  if (DELTA_SECONDS.test(value)) {
    ms = Number(value) * SECOND;
  } else if (HTTP_DATE.test(value)) {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return null;
    ms = at - now;
  } else {
    return null;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/**
 * - success: 2xx, the receiver has the payload.
 * - gone: 410, the receiver says the endpoint is gone for good: stop and disable the site.
 * - throttled: 429 or 503, come back later, honouring Retry-After.
 * - retryable: any other 5xx, or 408: a transient failure of the receiver.
 * - failed: 3xx (redirects are not followed: the URL was checked against SSRF, the target was not, and a moved
 *   endpoint should be fixed in the site's settings), other 4xx, and anything else: a retry a second later will
 *   not do better, so no quick retry; durable retries are the worker's call.
 */
export type ResponseClass = 'success' | 'gone' | 'throttled' | 'retryable' | 'failed';

export function classifyResponse(status: number): ResponseClass {
  if (status >= 200 && status < 300) return 'success';
  if (status === 410) return 'gone';
  if (status === 429 || status === 503) return 'throttled';
  if (status === 408 || (status >= 500 && status < 600)) return 'retryable';
  return 'failed';
}
