/**
 * Login throttling per account, on top of the per-IP rate limit: an attacker with many addresses still gets only a
 * few guesses at one email. After FREE_FAILURES consecutive failures each further attempt waits an exponentially
 * growing delay (1 s, 2 s, 4 s … capped at 15 min) instead of a lockout, which an attacker could renew to keep the
 * owner out. For the same reason, a client address the account has logged in from counts its failures in a bucket
 * of its own: a stranger's failures never delay the owner's usual machine.
 *
 * In memory, per process: counting needs no database round trip on a path anyone can call, and a restart forgets
 * the counts (at worst, FREE_FAILURES more guesses). Each process of a scaled-out deployment counts on its own.
 * Unknown emails are counted exactly like known ones, so the throttle does not tell whether an account exists.
 */
import type { FastifyReply } from 'fastify';
import type { Config } from '../config.js';
import { HttpProblem } from '../http/problem.js';

/** The per-IP rate limit of the routes that take a password (login and sign-up), per minute. */
export const credentialsRateLimit = (config: Pick<Config, 'loginRateLimit'>) => ({
  max: config.loginRateLimit,
  timeWindow: 60_000,
});

const FREE_FAILURES = 5;
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 15 * 60_000;
/** A count not added to for this long starts over. */
export const FORGET_AFTER_MS = 24 * 60 * 60_000;
/** Most accounts (and account + known-client pairs) remembered at once; the least recently used go first. */
const MAX_ENTRIES = 10_000;
/** Client addresses remembered per account as ones it logged in from. */
const KNOWN_CLIENTS_PER_ACCOUNT = 5;

/** The wait after `failures` consecutive failures before the next attempt may be checked. */
export function delayAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(FIRST_DELAY_MS * 2 ** (failures - FREE_FAILURES), MAX_DELAY_MS);
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

interface Bucket {
  failures: number;
  lastAttemptAt: number;
}

/** A Map kept in least-recently-used order, dropping the oldest entry past `max`. */
class BoundedMap<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) this.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

export type LoginAttempt =
  | { allowed: false; retryAfterSeconds: number }
  | { allowed: true; /** The password was right: the count starts over. */ succeeded(): void };

export interface LoginThrottle {
  /**
   * Counts an attempt for `email` from `client` before the password is checked, so parallel guesses are counted
   * too; not allowed while the account's delay runs.
   */
  begin(email: string, client: string): LoginAttempt;
  /** Buckets remembered (accounts and account + known-client pairs). */
  readonly size: number;
}

export function createLoginThrottle(
  options: { now?: () => number; maxEntries?: number } = {},
): LoginThrottle {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? MAX_ENTRIES;
  const buckets = new BoundedMap<Bucket>(max);
  const knownClients = new BoundedMap<string[]>(max);

  return {
    begin(email, client) {
      const account = normalizeEmail(email);
      const known = knownClients.get(account)?.includes(client) ?? false;
      const key = known ? `${account}\n${client}` : account;
      const at = now();
      const previous = buckets.get(key);
      const bucket =
        previous && at - previous.lastAttemptAt < FORGET_AFTER_MS
          ? previous
          : { failures: 0, lastAttemptAt: at };
      const waitMs = bucket.lastAttemptAt + delayAfter(bucket.failures) - at;
      if (waitMs > 0) return { allowed: false, retryAfterSeconds: Math.ceil(waitMs / 1000) };
      buckets.set(key, { failures: bucket.failures + 1, lastAttemptAt: at });
      return {
        allowed: true,
        succeeded() {
          buckets.delete(key);
          const clients = (knownClients.get(account) ?? []).filter((other) => other !== client);
          knownClients.set(account, [client, ...clients].slice(0, KNOWN_CLIENTS_PER_ACCOUNT));
        },
      };
    },
    get size() {
      return buckets.size;
    },
  };
}

/** The answer to an attempt inside the delay, the same whether the account exists or not. */
export function tooEarly(reply: FastifyReply, retryAfterSeconds: number): HttpProblem {
  reply.header('retry-after', String(retryAfterSeconds));
  return new HttpProblem(
    429,
    'rate-limited',
    `Too many failed logins for this email; try again in ${retryAfterSeconds} s.`,
  );
}
