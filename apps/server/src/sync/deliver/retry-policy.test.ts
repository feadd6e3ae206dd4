import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../config.js';
import {
  MAX_RETRY_AFTER_MS,
  QUICK_RETRY_DELAYS_MS,
  classifyResponse,
  nextDurableDelay,
  retryAfterMs,
} from './retry-policy.js';

describe('quick retries', () => {
  it('wait 0.5 s, 1 s, 2 s', () => {
    expect(QUICK_RETRY_DELAYS_MS).toEqual([500, 1_000, 2_000]);
  });
});

describe('nextDurableDelay', () => {
  const middle = () => 0.5;
  // RETRY_SCHEDULE's default: 5s,5m,30m,2h,5h,10h,10h.
  const schedule = loadConfig({}).retryScheduleMs;

  it('returns the scheduled wait before each retry, then null', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((retry) => nextDurableDelay(schedule, retry, middle));
    expect(delays).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(nextDurableDelay(schedule, 8, middle)).toBeNull();
    expect(nextDurableDelay(schedule, 100, middle)).toBeNull();
  });

  it('follows the schedule it is given', () => {
    expect(nextDurableDelay([1_000], 1, middle)).toBe(1_000);
    expect(nextDurableDelay([1_000], 2, middle)).toBeNull();
  });

  it('jitters by ±20 %', () => {
    expect(nextDurableDelay(schedule, 1, () => 0)).toBe(4_000);
    expect(nextDurableDelay(schedule, 1, () => 0.999999)).toBe(6_000);
    expect(nextDurableDelay(schedule, 2, () => 0.25)).toBe(270_000);
    for (let i = 0; i < 200; i++) {
      const delay = nextDurableDelay(schedule, 3)!;
      expect(delay).toBeGreaterThanOrEqual(0.8 * 30 * 60_000);
      expect(delay).toBeLessThanOrEqual(1.2 * 30 * 60_000);
    }
  });

  it('refuses a retry number that is not a positive integer', () => {
    expect(() => nextDurableDelay(schedule, 0)).toThrow(RangeError);
    expect(() => nextDurableDelay(schedule, -1)).toThrow(RangeError);
    expect(() => nextDurableDelay(schedule, 1.5)).toThrow(RangeError);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('parses delta-seconds', () => {
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs('5', now)).toBe(5_000);
    expect(retryAfterMs(' 120 ', now)).toBe(120_000);
  });

  it('parses an HTTP-date relative to now, in all three RFC 9110 forms', () => {
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wednesday, 01-Jan-25 00:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Wed Jan  1 00:00:10 2025', now)).toBe(10_000);
  });

  it('treats a date in the past as "now"', () => {
    expect(retryAfterMs('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });

  it('caps long waits at one hour', () => {
    expect(MAX_RETRY_AFTER_MS).toBe(3_600_000);
    expect(retryAfterMs('86400', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs('Fri, 01 Jan 2027 00:00:00 GMT', now)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('returns null for a missing or malformed header', () => {
    for (const header of [undefined, '', '  ', '-5', '1.5', '2030-01-01', 'soon', 'Wed, 99 Foo 2025 GMT']) {
      expect(retryAfterMs(header, now), String(header)).toBeNull();
    }
  });

  it('defaults to the current clock', () => {
    vi.useFakeTimers({ now: Date.parse('2030-01-01T12:00:00.000Z') });
    try {
      expect(retryAfterMs('Tue, 01 Jan 2030 12:01:00 GMT')).toBe(60_000);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('classifyResponse', () => {
  it.each([
    [200, 'success'],
    [201, 'success'],
    [202, 'success'],
    [204, 'success'],
    [299, 'success'],
    [410, 'gone'],
    [429, 'throttled'],
    [503, 'throttled'],
    [408, 'retryable'],
    [500, 'retryable'],
    [502, 'retryable'],
    [504, 'retryable'],
    [599, 'retryable'],
    [301, 'failed'],
    [302, 'failed'],
    [307, 'failed'],
    [308, 'failed'],
    [400, 'failed'],
    [401, 'failed'],
    [403, 'failed'],
    [404, 'failed'],
    [413, 'failed'],
    [422, 'failed'],
    [101, 'failed'],
    [600, 'failed'],
  ] as const)('%i → %s', (status, expected) => {
    expect(classifyResponse(status)).toBe(expected);
  });
});
