import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, waitForListening, type CliProcess } from './support/cli-process.js';
import { PrivateCluster, privateClusterUnavailable } from './support/private-cluster.js';
import { unusedPort } from './support/receivers.js';
import { signUpOverHttp, type SignedInUser } from './support/users.js';

// `datasync serve` on a private PostgreSQL cluster that is stopped under it (the shared test server must never be):
// while the database is down every route that needs it answers 503 with Retry-After, never 500, and the service
// comes back on its own once the database does, with everything it had accepted.
//
// Not an `.int.test.ts`: it manages its own server, so it runs once (in the pglite project), not once per database.

const SECRET_KEY = randomBytes(32).toString('base64url');
const DESTINATION = 'http://127.0.0.1:9';
const PROBLEM_TYPE = 'urn:datasync:problem:database-unavailable';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const missing = privateClusterUnavailable();
if (missing) console.log(`[database down] skipped: ${missing}`);

interface Answer {
  status: number;
  type: string | null;
  retryAfter: string | null;
  body: string;
}

describe.skipIf(missing !== null)('the database down (serve on a private PostgreSQL cluster)', () => {
  let cluster: PrivateCluster;
  let server: CliProcess;
  let url: string;
  let owner: SignedInUser;
  let apiKey: string;
  const cwd = mkdtempSync(join(tmpdir(), 'datasync-db-down-'));

  beforeAll(async () => {
    cluster = new PrivateCluster(await unusedPort());
    cluster.init();
    cluster.start();
    await cluster.createDatabase('datasync');
    server = runCli(['serve', '--no-landing'], {
      cwd,
      env: {
        DATABASE_URL: cluster.url('datasync'),
        SECRET_KEY,
        PORT: '0',
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
        DATA_DIR: join(cwd, 'data'),
        ALLOWED_DESTINATION_ORIGINS: DESTINATION,
      },
    });
    url = await waitForListening(server);
  }, 120_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    cluster?.destroy();
    rmSync(cwd, { recursive: true, force: true });
  });

  async function call(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<Answer> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...options.headers,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      retryAfter: response.headers.get('retry-after'),
      body: await response.text(),
    };
  }

  const bearer = () => ({ authorization: `Bearer ${apiKey}` });
  const site = (slug: string) => ({ name: `Site ${slug}`, slug, destination_url: `${DESTINATION}/${slug}` });

  it('answers 503 with Retry-After while PostgreSQL is stopped, and recovers on its own', async () => {
    owner = await signUpOverHttp(url, { email: 'down@example.test', password: 'a real password' });
    const key = await call('POST', '/api/v1/api-keys', {
      headers: owner.headers,
      body: { name: 'ops', role: 'admin' },
    });
    expect(key.status).toBe(201);
    apiKey = (JSON.parse(key.body) as { key: string }).key;
    expect(
      (await call('POST', '/api/v1/sites', { headers: owner.headers, body: site('before') })).status,
    ).toBe(201);
    expect((await call('GET', '/healthz')).status).toBe(200);

    const stopping = performance.now();
    cluster.stop();
    const stoppedMs = performance.now() - stopping;

    const healthStarted = performance.now();
    const health = await call('GET', '/healthz');
    const healthMs = performance.now() - healthStarted;
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toEqual({ status: 'unavailable', database: 'unreachable' });

    // Every route that needs the database, through each way in: session cookie, API key, none.
    const sweep: Array<[string, string, { headers?: Record<string, string>; body?: unknown }]> = [
      ['GET', '/api/v1/sites', { headers: owner.headers }],
      ['GET', '/api/v1/sites', { headers: bearer() }],
      ['POST', '/api/v1/sites', { headers: owner.headers, body: site('while-down-cookie') }],
      ['POST', '/api/v1/sites', { headers: bearer(), body: site('while-down-key') }],
      ['GET', '/api/v1/me', { headers: owner.headers }],
      ['GET', '/api/v1/sync-jobs', { headers: bearer() }],
      ['POST', '/api/v1/sync-jobs', { headers: bearer(), body: {} }],
      ['GET', '/api/v1/content-items', { headers: owner.headers }],
      ['GET', '/api/v1/members', { headers: bearer() }],
      ['POST', '/api/v1/auth/login', { body: { email: owner.email, password: owner.password } }],
      ['POST', '/api/v1/auth/logout', { headers: owner.headers }],
      [
        'POST',
        '/api/v1/auth/signup',
        { body: { email: 'later@example.test', password: 'a real password', organization_name: 'Later' } },
      ],
      ['GET', '/api/v1/auth/signup-mode', {}],
      // Its queue-depth gauge reads the database.
      ['GET', '/metrics', {}],
    ];
    const answers: Array<[string, Answer, number]> = [];
    for (const [method, path, options] of sweep) {
      const started = performance.now();
      answers.push([`${method} ${path}`, await call(method, path, options), performance.now() - started]);
    }
    const slowestMs = Math.max(...answers.map(([, , ms]) => ms));
    for (const [route, answer] of answers) {
      expect({ route, status: answer.status, type: answer.type, retryAfter: answer.retryAfter }).toEqual({
        route,
        status: 503,
        type: 'application/problem+json; charset=utf-8',
        retryAfter: '5',
      });
      expect(JSON.parse(answer.body), route).toEqual({
        type: PROBLEM_TYPE,
        title: 'Service Unavailable',
        status: 503,
        detail: 'The database cannot be reached. Try again in a few seconds.',
      });
    }
    // A route that does not need the database keeps answering.
    expect((await call('GET', '/api/v1/openapi.json')).status).toBe(200);

    cluster.start();
    const upAt = performance.now();
    let recoveredMs = Number.NaN;
    while (performance.now() - upAt < 10_000) {
      if ((await call('GET', '/healthz')).status === 200) {
        recoveredMs = performance.now() - upAt;
        break;
      }
      await sleep(100);
    }
    console.log(
      `[database down] PostgreSQL stopped (fast) in ${stoppedMs.toFixed(0)} ms; /healthz 503 in ` +
        `${healthMs.toFixed(0)} ms; ${answers.length} API answers all 503 (slowest ${slowestMs.toFixed(0)} ms); ` +
        `/healthz 200 again ${recoveredMs.toFixed(0)} ms after PostgreSQL was started`,
    );
    expect(recoveredMs, 'healthz 200 within 10 s of the database starting').toBeLessThan(10_000);

    // Writes work again, and everything accepted before the stop is there; nothing answered 503 was written.
    expect((await call('POST', '/api/v1/sites', { headers: bearer(), body: site('after') })).status).toBe(
      201,
    );
    const login = await call('POST', '/api/v1/auth/login', {
      body: { email: owner.email, password: owner.password },
    });
    expect(login.status).toBe(200);
    const sites = await call('GET', '/api/v1/sites', { headers: owner.headers });
    expect(sites.status).toBe(200);
    const slugs = (JSON.parse(sites.body) as { items: Array<{ slug: string }> }).items.map((s) => s.slug);
    expect(slugs.sort()).toEqual(['after', 'before']);
    const keys = await call('GET', '/api/v1/api-keys', { headers: owner.headers });
    expect((JSON.parse(keys.body) as Array<{ name: string }>).map((k) => k.name)).toEqual(['ops']);

    const logLines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; [key: string]: unknown });
    expect(logLines.filter((line) => line.level >= 50 && line.msg === 'request failed')).toEqual([]);
    // One warning per refused request, with the connection error's code and message but no query or parameters.
    const refusals = logLines.filter((line) => line.msg === 'database unreachable: answered 503');
    expect(refusals).toHaveLength(sweep.length);
    expect(refusals.map((line) => line.level)).toEqual(sweep.map(() => 40));
    expect(refusals.map((line) => line.database)).toContainEqual({
      code: 'ECONNREFUSED',
      message: expect.stringContaining('ECONNREFUSED') as unknown,
    });
    expect(server.output()).not.toMatch(/Failed query|params:/);
    expect(server.output()).not.toContain(owner.password);
  }, 120_000);
});
