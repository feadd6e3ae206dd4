import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BUILD = fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url));

/**
 * A folder of its own for one test file's compiled server (decision 014), beside the real dist (git ignores
 * `dist-test-*`), so tests never overwrite or depend on the build `npm start` made.
 */
export function compiledBuildDir(): string {
  return fileURLToPath(
    new URL(`../../dist-test-${process.pid}-${randomBytes(3).toString('hex')}/`, import.meta.url),
  );
}

/** Compiles the server into `dir` with scripts/build.mjs, as `npm run build` does into dist. */
export async function buildServer(dir: string): Promise<void> {
  await promisify(execFile)(process.execPath, [BUILD, '--out-dir', dir]);
}
