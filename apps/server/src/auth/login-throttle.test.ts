import { describe, expect, it } from 'vitest';
import { createLoginThrottle, delayAfter, FORGET_AFTER_MS, type LoginAttempt } from './login-throttle.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** `count` attempts that fail (begun, never succeeded); what each answered. */
function fail(
  throttle: ReturnType<typeof createLoginThrottle>,
  email: string,
  client: string,
  count: number,
) {
  return Array.from({ length: count }, () => throttle.begin(email, client).allowed);
}

const waitOf = (attempt: LoginAttempt) => (attempt.allowed ? 0 : attempt.retryAfterSeconds);

describe('delayAfter', () => {
  it('is free for five failures, then doubles from 1 s up to 15 min', () => {
    expect([0, 1, 4, 5, 6, 7, 8, 14, 15, 50].map(delayAfter)).toEqual([
      0, 0, 0, 1_000, 2_000, 4_000, 8_000, 512_000, 900_000, 900_000,
    ]);
  });
});

describe('createLoginThrottle', () => {
  it('lets five failures through, then asks each attempt to wait the doubling delay', () => {
    const time = clock();
    const throttle = createLoginThrottle({ now: time.now });
    expect(fail(throttle, 'ada@example.test', '10.0.0.1', 5)).toEqual([true, true, true, true, true]);
    expect(waitOf(throttle.begin('ada@example.test', '10.0.0.2'))).toBe(1);
    time.advance(999);
    expect(waitOf(throttle.begin('ada@example.test', '10.0.0.3'))).toBe(1);
    time.advance(1);
    expect(throttle.begin('ada@example.test', '10.0.0.3').allowed).toBe(true);
    expect(waitOf(throttle.begin('ada@example.test', '10.0.0.3'))).toBe(2);
    time.advance(1_500);
    expect(waitOf(throttle.begin('ada@example.test', '10.0.0.3'))).toBe(1);
  });

  it('counts one account whatever the case and surrounding spaces of the email', () => {
    const throttle = createLoginThrottle({ now: clock().now });
    fail(throttle, 'Ada@Example.test', '10.0.0.1', 3);
    fail(throttle, '  ada@example.TEST ', '10.0.0.1', 2);
    expect(waitOf(throttle.begin('ada@example.test', '10.0.0.1'))).toBe(1);
    expect(throttle.size).toBe(1);
  });

  it('starts over after a success, and after a day without attempts', () => {
    const time = clock();
    const throttle = createLoginThrottle({ now: time.now });
    fail(throttle, 'ada@example.test', '10.0.0.1', 4);
    const right = throttle.begin('ada@example.test', '10.0.0.1');
    if (right.allowed) right.succeeded();
    expect(fail(throttle, 'ada@example.test', '10.0.0.9', 5)).toEqual([true, true, true, true, true]);
    expect(waitOf(throttle.begin('ada@example.test', '10.0.0.9'))).toBe(1);
    time.advance(FORGET_AFTER_MS);
    expect(fail(throttle, 'ada@example.test', '10.0.0.9', 5)).toEqual([true, true, true, true, true]);
  });

  it('keeps a client the account logged in from out of a stranger’s delay, with a count of its own', () => {
    const throttle = createLoginThrottle({ now: clock().now });
    const owner = throttle.begin('ada@example.test', '192.168.1.20');
    if (owner.allowed) owner.succeeded();
    fail(throttle, 'ada@example.test', '203.0.113.7', 5);
    expect(waitOf(throttle.begin('ada@example.test', '203.0.113.7'))).toBe(1);
    expect(fail(throttle, 'ada@example.test', '192.168.1.20', 5)).toEqual([true, true, true, true, true]);
    expect(waitOf(throttle.begin('ada@example.test', '192.168.1.20'))).toBe(1);
  });

  it('remembers at most maxEntries accounts, forgetting the least recently used', () => {
    const throttle = createLoginThrottle({ now: clock().now, maxEntries: 3 });
    fail(throttle, 'a@example.test', '10.0.0.1', 5);
    fail(throttle, 'b@example.test', '10.0.0.1', 5);
    fail(throttle, 'c@example.test', '10.0.0.1', 5);
    expect(throttle.begin('a@example.test', '10.0.0.1').allowed).toBe(false); // a is now the most recent
    fail(throttle, 'd@example.test', '10.0.0.1', 1);
    expect(throttle.size).toBe(3);
    expect(throttle.begin('b@example.test', '10.0.0.1').allowed).toBe(true);
    expect(throttle.begin('a@example.test', '10.0.0.1').allowed).toBe(false);
  });
});
