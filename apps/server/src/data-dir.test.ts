import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDataDir } from './data-dir.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'data-dir-'));
  dirs.push(dir);
  return dir;
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

function recorder() {
  const warnings: Array<[object, string]> = [];
  return { warnings, log: { warn: (fields: object, message: string) => warnings.push([fields, message]) } };
}

describe('openDataDir', () => {
  it('creates a missing folder, and its parents, owner-only without a warning', async () => {
    const dataDir = join(await scratch(), 'nested', 'data');
    const { warnings, log } = recorder();
    await openDataDir(dataDir, log);
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(join(dataDir, '..'))).toBe(0o700);
    expect(warnings).toEqual([]);
  });

  it('tightens an existing folder recursively and says what it changed, in one warning', async () => {
    const dataDir = join(await scratch(), 'data');
    await mkdir(join(dataDir, 'pglite', 'base'), { recursive: true });
    await writeFile(join(dataDir, 'secret.key'), 'k\n', { mode: 0o600 });
    await writeFile(join(dataDir, 'pglite', 'base', '1'), 'wal');
    await chmod(join(dataDir, 'pglite', 'base', '1'), 0o644);
    await chmod(join(dataDir, 'pglite', 'base'), 0o750);
    await chmod(join(dataDir, 'pglite'), 0o700);
    await chmod(dataDir, 0o755);
    const { warnings, log } = recorder();

    await openDataDir(dataDir, log);

    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(join(dataDir, 'secret.key'))).toBe(0o600);
    expect(await modeOf(join(dataDir, 'pglite'))).toBe(0o700);
    expect(await modeOf(join(dataDir, 'pglite', 'base'))).toBe(0o700);
    expect(await modeOf(join(dataDir, 'pglite', 'base', '1'))).toBe(0o600);
    expect(warnings).toEqual([
      [
        {
          data_dir: dataDir,
          tightened: ['. 755→700', 'pglite/base 750→700', 'pglite/base/1 644→600'],
          tightened_count: 3,
        },
        'The data folder was readable by other local users: group and other permissions removed',
      ],
    ]);

    await openDataDir(dataDir, log);
    expect(warnings).toHaveLength(1);
  });

  it('leaves what a symbolic link inside points to alone', async () => {
    const root = await scratch();
    const outside = join(root, 'outside.txt');
    await writeFile(outside, 'not ours');
    await chmod(outside, 0o644);
    const dataDir = join(root, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    await symlink(outside, join(dataDir, 'link'));
    const { warnings, log } = recorder();
    await openDataDir(dataDir, log);
    expect(await modeOf(outside)).toBe(0o644);
    expect(warnings).toEqual([]);
  });
});
