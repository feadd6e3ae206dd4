import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../e2e/support/processes.js';
import { buildInputFiles, hashBuildInputs, isCurrentBuild } from '../scripts/build-inputs.mjs';
import { buildServer, compiledBuildDir } from './support/compiled-build.js';
import { runCli, waitForListening, type CliProcess } from './support/cli-process.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from './support/test-database.js';
import { signUpOverHttp } from './support/users.js';
import { waitFor } from './support/wait.js';

// The compiled server (decision 014), built by scripts/build.mjs into a folder of its own beside the real dist, and
// run by plain `node` with no TypeScript loader: it serves the API and runs the demo's sync to the real landing
// pages (on PostgreSQL its engine runs in a worker thread, started from the compiled engine-thread.run.js).

const OUT = compiledBuildDir();

let cwd: string;
let database: TestDatabase | undefined;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'datasync-compiled-'));
  await buildServer(OUT);
  if (testDatabaseKind() === 'postgres') database = await openTestDatabase();
}, 120_000);
afterAll(async () => {
  await database?.close();
  await rm(OUT, { recursive: true, force: true });
  await rm(cwd, { recursive: true, force: true });
});

describe('the compiled server', { timeout: 180_000 }, () => {
  it('has a JavaScript file for every source, and records the hash of the sources it was built from', async () => {
    const inputs = buildInputFiles();
    const serverInputs = inputs.filter((file) => file.includes('/apps/server/src/'));
    for (const file of serverInputs) {
      const compiled = join(OUT, file.split('/apps/server/src/')[1]!.replace(/\.ts$/, '.js'));
      expect(existsSync(compiled), compiled).toBe(true);
    }
    expect(existsSync(join(OUT, 'node_modules/@datasync/contracts/src/index.js'))).toBe(true);

    const infoFile = join(OUT, 'build-info.json');
    const info = JSON.parse(await readFile(infoFile, 'utf8')) as { inputsHash: string; files: number };
    expect(info).toEqual({ inputsHash: hashBuildInputs(), files: inputs.length });
    expect(isCurrentBuild(OUT)).toBe(true);
    // A build of other sources is not run by bin/datasync.mjs.
    await writeFile(infoFile, JSON.stringify({ ...info, inputsHash: 'f'.repeat(64) }));
    expect(isCurrentBuild(OUT)).toBe(false);
    await writeFile(infoFile, JSON.stringify(info));
  });

  it('runs with plain node: the API answers and the demo sync reaches the three landing pages', async () => {
    const landingPort = await freePort();
    const env: Record<string, string> = {
      PORT: '0',
      LANDING_PORT: String(landingPort),
      LOG_LEVEL: 'info',
      LANDING_DATA_DIR: join(cwd, 'landing'),
      ...(database
        ? { DATABASE_URL: database.url!, SECRET_KEY: randomBytes(32).toString('base64url') }
        : { DATA_DIR: join(cwd, 'data') }),
    };
    const server: CliProcess = runCli(['serve', '--landing'], { cwd, env, entry: join(OUT, 'cli.js') });
    try {
      const url = await waitForListening(server);
      const user = await signUpOverHttp(url, { organization: 'Built' });
      const headers = { ...user.headers, 'content-type': 'application/json' };

      const demo = await fetch(`${url}/api/v1/demo`, { method: 'POST', headers, body: '{}' });
      expect(demo.status).toBe(201);
      const job = await fetch(`${url}/api/v1/sync-jobs`, { method: 'POST', headers, body: '{}' });
      expect(job.status).toBe(202);
      const { id } = (await job.json()) as { id: string };

      const finished = await waitFor(
        'the demo sync to finish',
        async () => {
          const answer = await fetch(`${url}/api/v1/sync-jobs/${id}`, { headers });
          const body = (await answer.json()) as { status: string };
          return ['success', 'partial', 'failed'].includes(body.status) ? body : undefined;
        },
        60_000,
      );
      expect(finished.status).toBe('success');
      expect(server.output()).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|engine thread failed/);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });
});
