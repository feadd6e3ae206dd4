// What the server's build compiles, and a hash of it: shared by the build (build.mjs), which records the hash in
// dist/build-info.json, and by the `datasync` command (bin/datasync.mjs), which runs dist/ only when the hash still
// matches the sources (decision 014). Plain JavaScript: it runs before any TypeScript loader.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Where `npm run build` puts the server. Another folder must be directly in apps/server too (see buildRoots). */
export const SERVER_DIST = fileURLToPath(new URL('../dist/', import.meta.url));

/**
 * The server's sources, and the workspace packages it imports as TypeScript. A package is compiled into
 * <dist>/node_modules/<name>, where Node finds it before the workspace's link to the TypeScript sources. `dist`
 * must be a folder of apps/server, as src is: the code finds the migrations and the web UI by relative paths.
 */
export function buildRoots(dist = SERVER_DIST) {
  return [
    { sources: join(REPO, 'apps/server/src'), out: dist },
    ...[
      ['@datasync/contracts', 'packages/contracts'],
      ['@datasync/receiver', 'packages/receiver'],
      ['@datasync/landing', 'apps/landing'],
    ].map(([name, folder]) => ({
      name,
      sources: join(REPO, folder, 'src'),
      out: join(dist, 'node_modules', name, 'src'),
    })),
  ];
}

/** Every TypeScript file the build compiles (tests excluded), sorted, as absolute paths. */
export function buildInputFiles() {
  const files = [];
  for (const root of buildRoots()) {
    for (const entry of readdirSync(root.sources, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
      files.push(join(entry.parentPath ?? entry.path, entry.name));
    }
  }
  return files.sort();
}

/** A hash of the inputs' paths and contents, and of the build script itself (a changed build is a stale dist). */
export function hashBuildInputs(files = buildInputFiles()) {
  const hash = createHash('sha256');
  for (const file of [...files, fileURLToPath(new URL('./build.mjs', import.meta.url))]) {
    hash.update(relative(REPO, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** True when `dist` holds a build of the sources as they are now (its recorded hash matches theirs). */
export function isCurrentBuild(dist = SERVER_DIST) {
  const info = join(dist, 'build-info.json');
  if (!existsSync(info)) return false;
  return JSON.parse(readFileSync(info, 'utf8')).inputsHash === hashBuildInputs();
}
