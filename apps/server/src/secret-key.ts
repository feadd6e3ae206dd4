import { randomBytes, hkdfSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Independent keys derived from the one SECRET_KEY, so no key serves two purposes. */
export interface Keys {
  /** better-auth signs session cookies with this. */
  auth: string;
  /** AES-256-GCM key for secrets at rest (site signing secrets). */
  encryption: Buffer;
}

export function deriveKeys(secretKey: string): Keys {
  const derive = (purpose: string) => Buffer.from(hkdfSync('sha256', secretKey, 'datasync', purpose, 32));
  return { auth: derive('auth-v1').toString('base64url'), encryption: derive('encryption-v1') };
}

/**
 * The configured SECRET_KEY, or (embedded mode) the one kept in `<dataDir>/secret.key`, created on first start.
 * Losing that file makes stored site secrets unreadable and signs everyone out: back it up with the data.
 */
export async function resolveSecretKey(options: { secretKey?: string; dataDir: string }): Promise<string> {
  if (options.secretKey) return options.secretKey;
  const path = join(options.dataDir, 'secret.key');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const generated = randomBytes(32).toString('base64url');
  // 'wx': if another process created it first, fail rather than overwrite, then read theirs.
  try {
    await writeFile(path, `${generated}\n`, { mode: 0o600, flag: 'wx' });
    return generated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readFile(path, 'utf8')).trim();
  }
}
