import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveKeys, resolveSecretKey } from './secret-key.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'datasync-key-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

describe('resolveSecretKey', () => {
  it('generates a key once into the data folder, readable by the owner only, and reuses it', async () => {
    const first = await resolveSecretKey({ dataDir });
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    const file = join(dataDir, 'secret.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
    expect(await resolveSecretKey({ dataDir })).toBe(first);
  });

  it('agrees on one key when several processes start at once', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => resolveSecretKey({ dataDir })));
    expect(new Set(keys).size).toBe(1);
  });

  it('prefers the configured SECRET_KEY and writes nothing', async () => {
    expect(await resolveSecretKey({ dataDir, secretKey: 'configured-key' })).toBe('configured-key');
    await expect(stat(join(dataDir, 'secret.key'))).rejects.toThrow(/ENOENT/);
  });
});

describe('deriveKeys', () => {
  it('derives distinct, deterministic keys per purpose', () => {
    const a = deriveKeys('one secret key of enough length.....');
    const again = deriveKeys('one secret key of enough length.....');
    const other = deriveKeys('another secret key of enough length.');
    expect(a.encryption).toHaveLength(32);
    expect(a.encryption.equals(again.encryption)).toBe(true);
    expect(a.auth).toBe(again.auth);
    expect(Buffer.from(a.auth, 'base64url').equals(a.encryption)).toBe(false);
    expect(other.encryption.equals(a.encryption)).toBe(false);
  });
});
