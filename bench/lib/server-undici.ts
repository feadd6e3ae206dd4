import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Undici from 'undici';

// The root node_modules holds an older undici (a dependency of a dev tool); the sync engine uses the server
// workspace's own. The raw ceiling must measure the same client, so it is loaded from where the server resolves it.
const serverRequire = createRequire(new URL('../../apps/server/package.json', import.meta.url));

/** The version of a dependency as the server workspace resolves it. */
export function serverPackageVersion(name: string): string {
  let dir = dirname(serverRequire.resolve(name));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === name && parsed.version) return parsed.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

export const undici = (await import(pathToFileURL(serverRequire.resolve('undici')).href)) as Pick<
  typeof Undici,
  'Agent' | 'request'
>;
