import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('uses the documented defaults: embedded database in ./data on 127.0.0.1:3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: './data',
      secretKey: undefined,
      nodeEnv: 'development',
      landingPort: 3001,
      publicUrl: 'http://127.0.0.1:3000',
      trustProxy: false,
      signup: 'invite-only',
      loginRateLimit: 10,
      secretRotationWindowHours: 24,
      allowedDestinationOrigins: ['http://127.0.0.1:3001', 'http://localhost:3001'],
    });
  });

  it('converts numbers and treats empty values as unset', () => {
    const config = loadConfig({ PORT: '8080', LANDING_PORT: '', DATA_DIR: '/var/lib/datasync' });
    expect(config.port).toBe(8080);
    expect(config.landingPort).toBe(3001);
    expect(config.dataDir).toBe('/var/lib/datasync');
  });

  it('reports every invalid variable at once, by name', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', NODE_ENV: 'staging', DATABASE_URL: 'mysql://x' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/NODE_ENV/);
    expect(message).toMatch(/DATABASE_URL/);
  });

  it('requires a shared SECRET_KEY of at least 32 characters with PostgreSQL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/datasync' })).toThrow(/SECRET_KEY: required/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/datasync', SECRET_KEY: 'short' })).toThrow(
      /SECRET_KEY/,
    );
    const config = loadConfig({ DATABASE_URL: 'postgres://db/datasync', SECRET_KEY: 'k'.repeat(32) });
    expect(config.databaseUrl).toBe('postgres://db/datasync');
  });

  it('reads TRUST_PROXY as a boolean or a list of addresses and ranges, not a hop count', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(() => loadConfig({ TRUST_PROXY: '1' })).toThrow(/TRUST_PROXY: a hop count cannot tell the proxy/);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 172.16.0.0/12,fd00::/8,loopback' }).trustProxy).toEqual([
      '10.0.0.1',
      '172.16.0.0/12',
      'fd00::/8',
      'loopback',
    ]);
    for (const [value, entry] of [
      ['yes', 'yes'],
      ['-1', '-1'],
      ['1.5', '1.5'],
      ['10.0.0.0/33', '10.0.0.0/33'],
      ['::1/129', '::1/129'],
      ['10.0.0.1,', ''],
      ['10.0.0.1,proxy.example.com', 'proxy.example.com'],
    ]) {
      expect(() => loadConfig({ TRUST_PROXY: value }), value).toThrow(
        new ConfigError(
          `Invalid configuration:\n  TRUST_PROXY: "${entry}" is not true, false, an IP address, a CIDR range or loopback/linklocal/uniquelocal`,
        ),
      );
    }
  });

  it('derives the public URL from host and port unless PUBLIC_URL is given', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '4000' }).publicUrl).toBe('http://localhost:4000');
    expect(loadConfig({ HOST: '::', PORT: '4000' }).publicUrl).toBe('http://localhost:4000');
    expect(loadConfig({ HOST: '::1' }).publicUrl).toBe('http://[::1]:3000');
    expect(loadConfig({ PUBLIC_URL: 'https://sync.example.com' }).publicUrl).toBe('https://sync.example.com');
    expect(() => loadConfig({ PUBLIC_URL: 'http://exa mple' })).toThrow(/PUBLIC_URL: is not a valid URL/);
  });

  it('lets anyone sign up only with SIGNUP=open; other values are refused', () => {
    expect(loadConfig({ SIGNUP: 'open' }).signup).toBe('open');
    expect(loadConfig({ SIGNUP: 'invite-only' }).signup).toBe('invite-only');
    expect(() => loadConfig({ SIGNUP: 'closed' })).toThrow(/SIGNUP/);
  });

  it('reads the secret rotation window in whole hours, 0 allowed', () => {
    expect(loadConfig({ SECRET_ROTATION_WINDOW_HOURS: '0' }).secretRotationWindowHours).toBe(0);
    expect(loadConfig({ SECRET_ROTATION_WINDOW_HOURS: '72' }).secretRotationWindowHours).toBe(72);
    expect(() => loadConfig({ SECRET_ROTATION_WINDOW_HOURS: '-1' })).toThrow(/SECRET_ROTATION_WINDOW_HOURS/);
    expect(() => loadConfig({ SECRET_ROTATION_WINDOW_HOURS: 'soon' })).toThrow(
      /SECRET_ROTATION_WINDOW_HOURS/,
    );
  });

  it('sends live stream heartbeats every 15 s unless LIVE_HEARTBEAT_MS says otherwise (1 s to 5 min)', () => {
    expect(loadConfig({}).liveHeartbeatMs).toBe(15_000);
    expect(loadConfig({ LIVE_HEARTBEAT_MS: '30000' }).liveHeartbeatMs).toBe(30_000);
    expect(() => loadConfig({ LIVE_HEARTBEAT_MS: '10' })).toThrow(/LIVE_HEARTBEAT_MS/);
    expect(() => loadConfig({ LIVE_HEARTBEAT_MS: '600000' })).toThrow(/LIVE_HEARTBEAT_MS/);
  });

  it('limits request, header and keep-alive times (30 s, 10 s, 72 s by default; 100 ms to 10 min)', () => {
    const defaults = loadConfig({});
    expect([defaults.requestTimeoutMs, defaults.headersTimeoutMs, defaults.keepAliveTimeoutMs]).toEqual([
      30_000, 10_000, 72_000,
    ]);
    const set = loadConfig({
      REQUEST_TIMEOUT_MS: '5000',
      HEADERS_TIMEOUT_MS: '2000',
      KEEP_ALIVE_TIMEOUT_MS: '500',
    });
    expect([set.requestTimeoutMs, set.headersTimeoutMs, set.keepAliveTimeoutMs]).toEqual([5_000, 2_000, 500]);
    for (const name of ['REQUEST_TIMEOUT_MS', 'HEADERS_TIMEOUT_MS', 'KEEP_ALIVE_TIMEOUT_MS']) {
      for (const bad of ['99', '600001', 'soon']) {
        expect(() => loadConfig({ [name]: bad }), `${name}=${bad}`).toThrow(new RegExp(name));
      }
    }
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '5000' }).headersTimeoutMs).toBe(5_000);
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '6000' })).toThrow(
      'HEADERS_TIMEOUT_MS: must not be more than REQUEST_TIMEOUT_MS (headers are part of the request)',
    );
  });

  it("leaves the worker's concurrency to its default unless WORKER_CONCURRENCY sets it (1 to 10,000)", () => {
    expect(loadConfig({}).workerConcurrency).toBeUndefined();
    expect(loadConfig({ WORKER_CONCURRENCY: '64' }).workerConcurrency).toBe(64);
    expect(() => loadConfig({ WORKER_CONCURRENCY: '0' })).toThrow(/WORKER_CONCURRENCY/);
    expect(() => loadConfig({ WORKER_CONCURRENCY: 'many' })).toThrow(/WORKER_CONCURRENCY/);
  });

  it('sets the heap growing factor to 50 % unless HEAP_GROWING_PERCENT says otherwise (0: V8 decides)', () => {
    expect(loadConfig({}).heapGrowingPercent).toBe(50);
    expect(loadConfig({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(() => loadConfig({ HEAP_GROWING_PERCENT: '-5' })).toThrow(/HEAP_GROWING_PERCENT/);
  });

  it('reads the SMTP server of alert emails from SMTP_URL, never echoing it, and their sender from SMTP_FROM', () => {
    expect(loadConfig({})).toMatchObject({ smtpUrl: undefined, smtpFrom: 'DataSync <datasync@localhost>' });
    expect(
      loadConfig({
        SMTP_URL: 'smtps://alerts:s3cret@mail.example.test:465',
        SMTP_FROM: 'Ops <ops@example.test>',
      }),
    ).toMatchObject({
      smtpUrl: 'smtps://alerts:s3cret@mail.example.test:465',
      smtpFrom: 'Ops <ops@example.test>',
    });
    expect(() => loadConfig({ SMTP_URL: 'https://mail.example.test' })).toThrow(/SMTP_URL/);
    let message = '';
    try {
      loadConfig({ SMTP_URL: 'smtp://alerts:s3cret@[bad' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/SMTP_URL: is not a valid URL/);
    expect(message).not.toContain('s3cret');
  });

  it('keeps 30 days of sync history unless RETENTION_DAYS says 1 to 3650', () => {
    expect(loadConfig({}).retentionDays).toBe(30);
    expect(loadConfig({ RETENTION_DAYS: '3' }).retentionDays).toBe(3);
    expect(loadConfig({ RETENTION_DAYS: '3650' }).retentionDays).toBe(3650);
    for (const bad of ['0', '3651', 'a month'])
      expect(() => loadConfig({ RETENTION_DAYS: bad }), bad).toThrow(/RETENTION_DAYS/);
  });

  it('leaves /metrics public unless METRICS_TOKEN is set to 16 or more characters without spaces', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'k'.repeat(16) }).metricsToken).toBe('k'.repeat(16));
    for (const bad of ['k'.repeat(15), 'sixteen chars with spaces'])
      expect(() => loadConfig({ METRICS_TOKEN: bad }), bad).toThrow(/METRICS_TOKEN/);
  });

  it('leaves the log format to the terminal check unless LOG_FORMAT is json or pretty', () => {
    expect(loadConfig({}).logFormat).toBeUndefined();
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'text' })).toThrow(/LOG_FORMAT/);
  });

  it('runs the sync engine in its own thread unless SYNC_THREAD says false', () => {
    expect(loadConfig({}).syncThread).toBe(true);
    expect(loadConfig({ SYNC_THREAD: 'false' }).syncThread).toBe(false);
    expect(loadConfig({ SYNC_THREAD: '0' }).syncThread).toBe(false);
    expect(() => loadConfig({ SYNC_THREAD: 'sometimes' })).toThrow(/SYNC_THREAD/);
  });

  it('allows the demo landing pages as destinations by default, or exactly the origins given', () => {
    expect(loadConfig({ LANDING_PORT: '4001' }).allowedDestinationOrigins).toEqual([
      'http://127.0.0.1:4001',
      'http://localhost:4001',
    ]);
    expect(
      loadConfig({ ALLOWED_DESTINATION_ORIGINS: ' https://Hooks.Internal/ , http://10.0.0.5:8080' })
        .allowedDestinationOrigins,
    ).toEqual(['https://hooks.internal', 'http://10.0.0.5:8080']);
    expect(loadConfig({ ALLOWED_DESTINATION_ORIGINS: 'none' }).allowedDestinationOrigins).toEqual([]);
    // Production allows no private destination unless told to.
    expect(loadConfig({ NODE_ENV: 'production' }).allowedDestinationOrigins).toEqual([]);
    expect(
      loadConfig({ NODE_ENV: 'production', ALLOWED_DESTINATION_ORIGINS: 'http://10.0.0.5:8080' })
        .allowedDestinationOrigins,
    ).toEqual(['http://10.0.0.5:8080']);
    for (const bad of ['ftp://files.local', 'http://x.local/path', 'http://user:pw@x.local', 'not a url']) {
      expect(() => loadConfig({ ALLOWED_DESTINATION_ORIGINS: bad }), bad).toThrow(
        /ALLOWED_DESTINATION_ORIGINS/,
      );
    }
  });

  it('retries a failing site on the Standard Webhooks schedule unless RETRY_SCHEDULE gives another', () => {
    const minute = 60_000;
    const hour = 60 * minute;
    expect(loadConfig({}).retryScheduleMs).toEqual([
      5_000,
      5 * minute,
      30 * minute,
      2 * hour,
      5 * hour,
      10 * hour,
      10 * hour,
    ]);
    expect(loadConfig({ RETRY_SCHEDULE: '1s' }).retryScheduleMs).toEqual([1_000]);
    expect(loadConfig({ RETRY_SCHEDULE: '1500ms, 5s,5m ,2h,1d,7d' }).retryScheduleMs).toEqual([
      1_500,
      5_000,
      5 * minute,
      2 * hour,
      24 * hour,
      7 * 24 * hour,
    ]);
    expect(loadConfig({ RETRY_SCHEDULE: Array(20).fill('1s').join(',') }).retryScheduleMs).toHaveLength(20);
    expect(loadConfig({ RETRY_SCHEDULE: '' }).retryScheduleMs).toHaveLength(7);
  });

  it.each([
    ['500ms', '"500ms" is not between 1s and 7d'],
    ['8d', '"8d" is not between 1s and 7d'],
    ['0s', '"0s" is not between 1s and 7d'],
    ['169h', '"169h" is not between 1s and 7d'],
    [Array(21).fill('1s').join(','), '21 retries; at most 20'],
    ['5s,,5m', '"" is not a duration'],
    ['5s,', '"" is not a duration'],
    [',', '"" is not a duration'],
    ['5', '"5" is not a duration'],
    ['5 s', '"5 s" is not a duration'],
    ['1.5h', '"1.5h" is not a duration'],
    ['-5s', '"-5s" is not a duration'],
    ['5S', '"5S" is not a duration'],
    ['5sec', '"5sec" is not a duration'],
    ['5w', '"5w" is not a duration'],
    ['soon', '"soon" is not a duration'],
  ])('refuses RETRY_SCHEDULE=%j, naming the variable', (value, problem) => {
    let error: unknown;
    try {
      loadConfig({ RETRY_SCHEDULE: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`RETRY_SCHEDULE: ${problem}`);
  });
});
