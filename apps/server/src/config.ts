import { isIP } from 'node:net';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Days of sync history kept when RETENTION_DAYS is unset. */
export const DEFAULT_RETENTION_DAYS = 30;

const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  SECRET_KEY: Type.Optional(Type.String({ minLength: 32 })),
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  /** `pretty` (readable lines) or `json`; unset: pretty when stdout is a terminal, JSON otherwise. */
  LOG_FORMAT: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('pretty')])),
  LANDING_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  /** Where browsers reach the service; the only origin allowed to send cookie-authenticated writes. */
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /**
   * Which peers' X-Forwarded-For to believe for the client address (rate limits key on it): `false` (none), `true`
   * (any: only when nothing but the proxy can reach DataSync), or the proxies' comma-separated IPs/CIDRs.
   */
  TRUST_PROXY: Type.Optional(Type.String()),
  /**
   * Who may sign up: `invite-only` (default) lets only the first user (who creates the first organization) and
   * holders of an invitation in; `open` lets anyone create an organization (a hosted multi-tenant install).
   */
  SIGNUP: Type.Union([Type.Literal('open'), Type.Literal('invite-only')], { default: 'invite-only' }),
  /** Login and sign-up attempts allowed per client IP per minute. */
  LOGIN_RATE_LIMIT: Type.Integer({ minimum: 1, default: 10 }),
  /** How long a site's previous signing secret keeps signing after a rotation; 0 = not at all. */
  SECRET_ROTATION_WINDOW_HOURS: Type.Integer({ minimum: 0, default: 24 }),
  /** Comma-separated origins that site destinations may use despite the SSRF guard (default: the demo pages). */
  ALLOWED_DESTINATION_ORIGINS: Type.Optional(Type.String()),
  /**
   * Most time a client may take to send a whole request, headers and body; past it the server answers 408 and
   * closes the connection, so a client sending less than its Content-Length cannot hold one. Responses (live event
   * streams included) are not limited by it.
   */
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 }),
  /** Most time a client may take to send a request's headers; at most REQUEST_TIMEOUT_MS (unset: 10 s or that). */
  HEADERS_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
  /**
   * How long an idle keep-alive connection stays open between requests. Longer than the 60 s idle timeout common
   * in load balancers, so the balancer, not this server, closes the connections it reuses.
   */
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 72_000 }),
  /** How often an idle live event stream (SSE) sends a comment line, so proxies do not close it. */
  LIVE_HEARTBEAT_MS: Type.Integer({ minimum: 1000, maximum: 300_000, default: 15_000 }),
  /** Deliveries a worker hands its HTTP client at once (which sends at most 64 at a time); unset: the default. */
  WORKER_CONCURRENCY: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  /**
   * A sync worker silent for longer than this is dead: the queue jobs it held are handed to the others (decision
   * 022). Workers report every third of it. At most the delivery queue job's expiry (120 s), which is the backstop.
   */
  WORKER_STALE_AFTER_MS: Type.Integer({ minimum: 3_000, maximum: 120_000, default: 15_000 }),
  /** With PostgreSQL, `serve` runs the sync engine in a worker thread of its own (decision 013); false: main thread. */
  SYNC_THREAD: Type.Boolean({ default: true }),
  /** V8's heap growing factor for `serve` and `worker`, in percent (decision 015); 0: V8's own, dynamic. */
  HEAP_GROWING_PERCENT: Type.Integer({ minimum: 0, maximum: 1000, default: 50 }),
  /**
   * When a site whose delivery was not accepted is sent it again: comma-separated waits, one per retry (`5s`, `5m`,
   * `2h`, `1d`). The default is the schedule Standard Webhooks recommends: a receiver down for a day still gets it.
   */
  RETRY_SCHEDULE: Type.String({ default: '5s,5m,30m,2h,5h,10h,10h' }),
  /** The SMTP server alert emails go through (`smtp://` or `smtps://`, credentials in the URL); unset: no email. */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  /** The From of alert emails. */
  SMTP_FROM: Type.String({ minLength: 3, default: 'DataSync <datasync@localhost>' }),
  /** Days of history kept: older job logs, deliveries, finished jobs, alerts and unused payloads are pruned. */
  RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: DEFAULT_RETENTION_DAYS }),
  /** When set, GET /metrics answers only `Authorization: Bearer <this>`; unset, it is public. */
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, pattern: '^\\S+$' })),
});

export type Env = Static<typeof EnvSchema>;

/** The environment variables `loadConfig` reads; the README's configuration table describes each (a test checks). */
export const ENV_VARIABLES: readonly string[] = Object.keys(EnvSchema.properties);

export interface Config {
  port: number;
  host: string;
  /** Unset = the embedded PGlite database in `<dataDir>/pglite`. */
  databaseUrl?: string;
  dataDir: string;
  /** Unset in embedded mode = generated once into the data folder (see secret-key.ts). */
  secretKey?: string;
  nodeEnv: Env['NODE_ENV'];
  logLevel: string;
  /** Unset: chosen by whether stdout is a terminal (see logger.ts). */
  logFormat?: Env['LOG_FORMAT'];
  landingPort: number;
  publicUrl: string;
  /** Fastify's `trustProxy`: false, true, or the addresses/CIDRs of trusted proxies. */
  trustProxy: TrustProxy;
  /** Who may sign up without an invitation: anyone (`open`), or only the first user (`invite-only`). */
  signup: Env['SIGNUP'];
  loginRateLimit: number;
  secretRotationWindowHours: number;
  /** Exact origins (`http://127.0.0.1:3001`) exempt from the private-address check on site destinations. */
  allowedDestinationOrigins: string[];
  /** Most time to receive a whole request (headers and body); see REQUEST_TIMEOUT_MS. */
  requestTimeoutMs: number;
  /** Most time to receive a request's headers; at most requestTimeoutMs. */
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** The heartbeat period of live event streams (GET …/events). */
  liveHeartbeatMs: number;
  /** Deliveries a worker hands its HTTP client at once; undefined: the worker's default. */
  workerConcurrency?: number;
  /** After how long a silent sync worker's queue jobs are handed to the others. */
  workerStaleAfterMs: number;
  /** With PostgreSQL, `serve` runs the sync engine in a worker thread (ignored with the embedded PGlite). */
  syncThread: boolean;
  /** How far V8 lets a heap grow past its last full collection's survivors, in percent; 0: V8 decides. */
  heapGrowingPercent: number;
  /** The waits before a failing site's retries, in ms, one per retry (RETRY_SCHEDULE). */
  retryScheduleMs: number[];
  /** The SMTP server of alert emails; unset: email alert channels cannot be created. Holds credentials: never log. */
  smtpUrl?: string;
  /** The From address of alert emails. */
  smtpFrom: string;
  /** Days of sync history kept by the retention job (retention/). */
  retentionDays: number;
  /** The bearer token GET /metrics requires; undefined: /metrics is public. */
  metricsToken?: string;
}

export class ConfigError extends Error {}

export type TrustProxy = boolean | string[];

/** The host part of a URL for a listening address: wildcard addresses mean this machine, IPv6 needs brackets. */
function browsableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Comma-separated `http(s)://host[:port]` entries (or `none`), normalized to URL origins; a problem message when
 * one is not an origin.
 */
function parseOrigins(list: string): string[] | string {
  if (list.trim() === 'none') return [];
  const origins: string[] = [];
  for (const entry of list.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const url = URL.canParse(entry) ? new URL(entry) : null;
    const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if (!url || !bare || !/^https?:$/.test(url.protocol)) {
      return `"${entry}" is not an http(s) origin (scheme://host[:port], no path)`;
    }
    origins.push(url.origin);
  }
  return origins;
}

/** Names proxy-addr (Fastify's trustProxy) knows for address ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * `false`, `true` or comma-separated IPs/CIDRs; a problem message for anything else. No hop count: it trusts
 * whoever connects, so a client reaching the port directly could name any address (Fastify ≥ 5.12.1 ignores one).
 */
function parseTrustProxy(value: string): TrustProxy | string {
  const text = value.trim();
  if (text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) {
    return `a hop count cannot tell the proxy from a client connecting directly: give the proxy's address or range (e.g. 127.0.0.1, 10.0.0.0/8, loopback, uniquelocal)`;
  }
  const entries = text.split(',').map((entry) => entry.trim());
  const wrong = entries.find((entry) => !isAddressOrCidr(entry));
  if (wrong === undefined) return entries;
  return `"${wrong}" is not true, false, an IP address, a CIDR range or loopback/linklocal/uniquelocal`;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_RETRIES = 20;
const SHORTEST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 7 * 86_400_000;

/** Comma-separated whole durations (`500ms`, `5s`, `5m`, `2h`, `1d`) in ms, each 1 s – 7 d; a problem message else. */
export function parseRetrySchedule(value: string): number[] | string {
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.length > MAX_RETRIES) return `${entries.length} retries; at most ${MAX_RETRIES}`;
  const schedule: number[] = [];
  for (const entry of entries) {
    const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(entry);
    if (!match) return `"${entry}" is not a duration (a whole number and ms, s, m, h or d, e.g. 5s or 2h)`;
    const ms = Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
    if (ms < SHORTEST_RETRY_MS || ms > LONGEST_RETRY_MS) return `"${entry}" is not between 1s and 7d`;
    schedule.push(ms);
  }
  return schedule;
}

/** Reads and validates the environment once, at start-up; every problem is reported together. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.fromEntries(
    ENV_VARIABLES.filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]),
  );
  const candidate = Value.Convert(EnvSchema, Value.Default(EnvSchema, known)) as Partial<Env>;
  const problems = [...Value.Errors(EnvSchema, candidate)].map(
    (error) => `${error.path.slice(1) || 'environment'}: ${error.message}`,
  );
  if (problems.length === 0 && candidate.DATABASE_URL && !candidate.SECRET_KEY) {
    problems.push('SECRET_KEY: required when DATABASE_URL is set (every process must share one key)');
  }
  if (candidate.PUBLIC_URL && !URL.canParse(candidate.PUBLIC_URL))
    problems.push('PUBLIC_URL: is not a valid URL');
  // Not echoed: the URL may hold the SMTP password.
  if (candidate.SMTP_URL && !URL.canParse(candidate.SMTP_URL)) problems.push('SMTP_URL: is not a valid URL');
  // Unset: in development and tests, the demo landing pages on this machine, which the private-address guard would
  // otherwise refuse; in production, nothing (a loopback exception there is a hole, not a convenience).
  const origins = parseOrigins(
    candidate.ALLOWED_DESTINATION_ORIGINS ??
      (candidate.NODE_ENV === 'production'
        ? 'none'
        : `http://127.0.0.1:${candidate.LANDING_PORT},http://localhost:${candidate.LANDING_PORT}`),
  );
  if (typeof origins === 'string' && candidate.ALLOWED_DESTINATION_ORIGINS !== undefined)
    problems.push(`ALLOWED_DESTINATION_ORIGINS: ${origins}`);
  const trustProxy = parseTrustProxy(candidate.TRUST_PROXY ?? 'false');
  if (typeof trustProxy === 'string') problems.push(`TRUST_PROXY: ${trustProxy}`);
  const retrySchedule = parseRetrySchedule(candidate.RETRY_SCHEDULE ?? '');
  if (typeof retrySchedule === 'string') problems.push(`RETRY_SCHEDULE: ${retrySchedule}`);
  if (problems.length === 0 && (candidate.HEADERS_TIMEOUT_MS ?? 0) > candidate.REQUEST_TIMEOUT_MS!)
    problems.push(
      'HEADERS_TIMEOUT_MS: must not be more than REQUEST_TIMEOUT_MS (headers are part of the request)',
    );
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  const e = candidate as Env;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    secretKey: e.SECRET_KEY,
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    landingPort: e.LANDING_PORT,
    publicUrl: e.PUBLIC_URL ?? `http://${browsableHost(e.HOST)}:${e.PORT}`,
    trustProxy: trustProxy as TrustProxy,
    signup: e.SIGNUP,
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    secretRotationWindowHours: e.SECRET_ROTATION_WINDOW_HOURS,
    allowedDestinationOrigins: typeof origins === 'string' ? [] : origins,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS ?? Math.min(10_000, e.REQUEST_TIMEOUT_MS),
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    liveHeartbeatMs: e.LIVE_HEARTBEAT_MS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerStaleAfterMs: e.WORKER_STALE_AFTER_MS,
    syncThread: e.SYNC_THREAD,
    heapGrowingPercent: e.HEAP_GROWING_PERCENT,
    retryScheduleMs: retrySchedule as number[],
    smtpUrl: e.SMTP_URL,
    smtpFrom: e.SMTP_FROM,
    retentionDays: e.RETENTION_DAYS,
    metricsToken: e.METRICS_TOKEN,
  };
}
