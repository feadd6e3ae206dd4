import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * The umask for `serve`, `worker` and `migrate`: files the process creates are 0600, folders 0700. The folders
 * PGlite creates, the lock and the landing pages' files are written after start, with the process umask, where
 * tightening the folder at start cannot reach them. (The files of a new PGlite database do not follow the umask:
 * openPglite tightens them.)
 */
export const OWNER_ONLY_UMASK = 0o077;

const GROUP_AND_OTHER = 0o077;
/** Paths named in the warning; the count says how many more there were. */
const NAMED_IN_WARNING = 20;

/** Removes group and other permissions below `root` (not following symbolic links); what it changed. */
export async function removeGroupAndOtherAccess(root: string): Promise<string[]> {
  const changed: string[] = [];
  const visit = async (path: string): Promise<void> => {
    const stats = await lstat(path);
    if (stats.isSymbolicLink()) return;
    const mode = stats.mode & 0o777;
    if (mode & GROUP_AND_OTHER) {
      await chmod(path, mode & ~GROUP_AND_OTHER);
      const name = relative(root, path) || '.';
      changed.push(`${name} ${mode.toString(8)}→${(mode & ~GROUP_AND_OTHER).toString(8)}`);
    }
    if (stats.isDirectory()) {
      for (const entry of (await readdir(path)).sort()) await visit(join(path, entry));
    }
  };
  await visit(root);
  return changed;
}

/**
 * Creates the data folder owner-only (0700), or makes an existing one so: it holds the embedded database, the
 * generated secret key and the landing pages' secrets, which no other local user may read. Whatever had to be
 * tightened is logged in one warning.
 */
export async function openDataDir(
  dataDir: string,
  log: { warn(fields: object, message: string): void },
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const tightened = await removeGroupAndOtherAccess(dataDir);
  if (tightened.length === 0) return;
  log.warn(
    {
      data_dir: dataDir,
      tightened: tightened.slice(0, NAMED_IN_WARNING),
      tightened_count: tightened.length,
    },
    'The data folder was readable by other local users: group and other permissions removed',
  );
}
