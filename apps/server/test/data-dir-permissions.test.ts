import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, waitForListening } from './support/cli-process.js';

// The real `datasync` command: its umask and its opening of the data folder, on what PGlite really writes.
let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'datasync-modes-'));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

/** Every folder and file below `root` (itself included) whose mode is not 0700 / 0600, with its mode. */
async function notOwnerOnly(root: string): Promise<string[]> {
  const wrong: string[] = [];
  const visit = async (path: string) => {
    const stats = await lstat(path);
    const mode = stats.mode & 0o777;
    if (mode !== (stats.isDirectory() ? 0o700 : 0o600)) wrong.push(`${path} ${mode.toString(8)}`);
    if (stats.isDirectory()) for (const entry of await readdir(path)) await visit(join(path, entry));
  };
  await visit(root);
  return wrong;
}

async function countFiles(root: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(root, { recursive: true })) if (entry) count += 1;
  return count;
}

const WARNING = 'The data folder was readable by other local users';

describe('data folder permissions', { timeout: 180_000 }, () => {
  it('serve creates the data folder and everything PGlite writes in it owner-only', async () => {
    const dataDir = join(cwd, 'fresh');
    const server = runCli(['serve', '--no-landing'], { cwd, env: { DATA_DIR: dataDir, PORT: '0' } });
    try {
      await waitForListening(server);
      expect(await notOwnerOnly(dataDir)).toEqual([]);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    expect(await countFiles(join(dataDir, 'pglite'))).toBeGreaterThan(100);
    expect(await notOwnerOnly(dataDir)).toEqual([]);
    expect(server.output()).not.toContain(WARNING);
  });

  it('migrate tightens an existing folder left readable by others, with one warning', async () => {
    const dataDir = join(cwd, 'existing');
    await mkdir(join(dataDir, 'backups'), { recursive: true });
    await writeFile(join(dataDir, 'backups', 'notes.txt'), 'readable by all');
    await chmod(join(dataDir, 'backups', 'notes.txt'), 0o644);
    await chmod(join(dataDir, 'backups'), 0o755);
    await chmod(dataDir, 0o755);

    const migrate = runCli(['migrate'], { cwd, env: { DATA_DIR: dataDir } });
    expect(await migrate.exited).toBe(0);

    expect(await notOwnerOnly(dataDir)).toEqual([]);
    const warnings = migrate
      .output()
      .split('\n')
      .filter((line) => line.includes(WARNING));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({
      level: 40,
      data_dir: dataDir,
      tightened: ['. 755→700', 'backups 755→700', 'backups/notes.txt 644→600'],
      tightened_count: 3,
    });
  });
});
