import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, waitForListening } from './support/cli-process.js';
import { logInOverHttp, signUpOverHttp } from './support/users.js';

// The real `datasync` command in child processes, over real HTTP, on a fresh embedded data folder.
let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'datasync-cli-'));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

// Each case starts one to three `datasync` processes (tsx compiles the sources unless a current build runs, PGlite
// starts): seconds each on an idle machine, several times that while the rest of the suite runs on the same two cores.
describe('datasync serve (embedded database)', { timeout: 180_000 }, () => {
  it('creates the data folder, serves the API, refuses a second process on it, and stops cleanly on SIGTERM', async () => {
    const env = { DATA_DIR: join(cwd, 'data'), PORT: '0', LOG_LEVEL: 'info' };
    const server = runCli(['serve'], { cwd, env });
    try {
      const url = await waitForListening(server);

      const health = await fetch(`${url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });

      const user = await signUpOverHttp(url, {
        email: 'cli@example.test',
        password: 'a real password',
        organization: 'CLI Org',
      });
      const me = await fetch(`${url}/api/v1/me`, { headers: { cookie: user.cookie } });
      expect(((await me.json()) as { organization: { name: string } }).organization.name).toBe('CLI Org');

      expect((await stat(join(cwd, 'data', 'secret.key'))).mode & 0o777).toBe(0o600);
      expect(server.output()).not.toContain('a real password');

      const second = runCli(['serve'], { cwd, env });
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(
        new RegExp(
          `Another DataSync process \\(pid ${server.child.pid} on [^)]+\\) is using the data folder`,
        ),
      );
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/SIGTERM received, shutting down/);

    // The data survived the restart: same folder, the account is still there.
    const restarted = runCli(['serve'], { cwd, env });
    try {
      const url = await waitForListening(restarted);
      // Throws, naming the status, unless the login answers 200.
      await logInOverHttp(url, 'cli@example.test', 'a real password');
    } finally {
      restarted.child.kill('SIGTERM');
    }
    expect(await restarted.exited).toBe(0);
  });

  it('starts again at once after serve was killed with SIGKILL, taking over the lock of the dead process', async () => {
    const env = { DATA_DIR: join(cwd, 'killed'), PORT: '0', LOG_LEVEL: 'info' };
    const killed = runCli(['serve', '--no-landing'], { cwd, env });
    await waitForListening(killed);
    killed.child.kill('SIGKILL');
    expect(await killed.exited).toBe('SIGKILL');

    const started = performance.now();
    const restarted = runCli(['serve', '--no-landing'], { cwd, env });
    try {
      const url = await waitForListening(restarted);
      console.log(
        `[data-dir lock] serve listening again ${(performance.now() - started).toFixed(0)} ms after SIGKILL`,
      );
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(restarted.output()).toMatch(
        new RegExp(`"pid":${killed.child.pid},.*no longer running: lock taken over`),
      );
    } finally {
      restarted.child.kill('SIGTERM');
    }
    expect(await restarted.exited).toBe(0);
  });

  it('exits 1 with every configuration problem named', async () => {
    const cli = runCli(['serve'], { cwd, env: { PORT: 'not-a-port', NODE_ENV: 'staging' } });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(/Invalid configuration/);
    expect(cli.output()).toMatch(/PORT/);
    expect(cli.output()).toMatch(/NODE_ENV/);
  });

  it('migrate applies the migrations and exits 0, prune prunes; an unknown command exits 2 with help', async () => {
    const migrate = runCli(['migrate'], { cwd, env: { DATA_DIR: join(cwd, 'migrate-only') } });
    expect(await migrate.exited).toBe(0);
    expect(migrate.output()).toMatch(/Migrations applied \(pglite\)/);
    const prune = runCli(['prune'], {
      cwd,
      env: { DATA_DIR: join(cwd, 'migrate-only'), RETENTION_DAYS: '7' },
    });
    expect(await prune.exited).toBe(0);
    expect(prune.output()).toMatch(
      /Deleted what is older than 7 days \(before [^)]+\), in \d+ ms:\n {2}job_logs {5}0\n {2}deliveries {3}0\n {2}sync_jobs {4}0\n {2}alert_sends {2}0\n {2}alerts {7}0\n {2}payloads {5}0\n/,
    );
    const unknown = runCli(['frobnicate'], { cwd, env: {} });
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toMatch(/Usage: datasync/);
  });
});
