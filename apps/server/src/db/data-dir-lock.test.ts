import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataDir } from './data-dir-lock.js';

const MODULE = fileURLToPath(new URL('./data-dir-lock.ts', import.meta.url));
const OWNER_FILE = 'datasync.lock.owner.json';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'data-dir-lock-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Another process that takes the data folder's lock through this module and holds it until killed. */
async function holder(dataDir: string): Promise<{ child: ChildProcess; killed(): Promise<void> }> {
  const script = `
    const { lockDataDir } = await import(${JSON.stringify(MODULE)});
    await lockDataDir(process.env.LOCK_DIR);
    console.log('locked');
    setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, LOCK_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  cleanups.push(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return {
    child,
    killed: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function recorder() {
  const warnings: Array<[object, string]> = [];
  return { warnings, log: { warn: (fields: object, message: string) => warnings.push([fields, message]) } };
}

async function takeTimed(dataDir: string, log?: ReturnType<typeof recorder>['log']) {
  const started = performance.now();
  const release = await lockDataDir(dataDir, log);
  cleanups.push(release);
  return { release, ms: performance.now() - started };
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('lockDataDir', { timeout: 20_000 }, () => {
  it('takes over at once the lock of a process killed with SIGKILL, with a warning naming it', async () => {
    const dataDir = await scratch();
    const { child, killed } = await holder(dataDir);
    const pid = child.pid!;
    expect(JSON.parse(await readFile(join(dataDir, OWNER_FILE), 'utf8'))).toEqual({
      pid,
      hostname: hostname(),
    });
    await killed();

    const { warnings, log } = recorder();
    const { ms } = await takeTimed(dataDir, log);
    console.log(`[data-dir lock] taken over from a killed process in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1_000);
    expect(warnings).toEqual([
      [
        { data_dir: dataDir, pid, hostname: hostname() },
        'The data folder was locked by a DataSync process that is no longer running: lock taken over',
      ],
    ]);
    expect(JSON.parse(await readFile(join(dataDir, OWNER_FILE), 'utf8'))).toEqual({
      pid: process.pid,
      hostname: hostname(),
    });
  });

  it('refuses while the holder runs, naming its pid and host', async () => {
    const dataDir = await scratch();
    const { child } = await holder(dataDir);
    await expect(lockDataDir(dataDir)).rejects.toThrow(
      `Another DataSync process (pid ${child.pid} on ${hostname()}) is using the data folder ${dataDir}.`,
    );
  });

  it('refuses a lock whose owner file names another host, even if no such pid runs here', async () => {
    const dataDir = await scratch();
    const { child, killed } = await holder(dataDir);
    await killed();
    await writeFile(join(dataDir, OWNER_FILE), JSON.stringify({ pid: child.pid, hostname: 'elsewhere' }));
    await expect(lockDataDir(dataDir)).rejects.toThrow(
      `Another DataSync process (pid ${child.pid} on elsewhere) is using the data folder ${dataDir}.`,
    );
  });

  it('refuses a lock whose owner file cannot be read', async () => {
    const dataDir = await scratch();
    await (await holder(dataDir)).killed();
    await writeFile(join(dataDir, OWNER_FILE), 'not json');
    await expect(lockDataDir(dataDir)).rejects.toThrow(
      `Another DataSync process is using the data folder ${dataDir}.`,
    );
  });

  it('takes over a lock naming our own pid (a restarted container), but not one this process holds', async () => {
    const dataDir = await scratch();
    await (await holder(dataDir)).killed();
    await writeFile(join(dataDir, OWNER_FILE), JSON.stringify({ pid: process.pid, hostname: hostname() }));
    const { release, ms } = await takeTimed(dataDir);
    expect(ms).toBeLessThan(1_000);

    await expect(lockDataDir(dataDir)).rejects.toThrow(
      `Another DataSync process (pid ${process.pid} on ${hostname()}) is using the data folder ${dataDir}.`,
    );
    await release();
    expect(await exists(join(dataDir, OWNER_FILE))).toBe(false);
    expect(await exists(join(dataDir, 'datasync.lock'))).toBe(false);
  });
});
