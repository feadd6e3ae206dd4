import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';

interface LockOwner {
  pid: number;
  hostname: string;
}

type WarnLog = { warn(fields: object, message: string): void };

// Data folders locked by this process: a second open of one of them here is refused, not mistaken for our own
// lock left behind by a crash.
const heldHere = new Set<string>();

const lockPath = (dataDir: string) => join(dataDir, 'datasync.lock');
// Next to the lock, not inside it: proper-lockfile's lock is a folder it removes with rmdir.
const ownerPath = (dataDir: string) => join(dataDir, 'datasync.lock.owner.json');

function take(dataDir: string): Promise<() => Promise<void>> {
  return lockfile.lock(dataDir, { lockfilePath: lockPath(dataDir), retries: 0, stale: 10_000 });
}

async function readOwner(dataDir: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(ownerPath(dataDir), 'utf8')) as Partial<LockOwner>;
    if (Number.isSafeInteger(owner.pid) && typeof owner.hostname === 'string')
      return { pid: owner.pid!, hostname: owner.hostname };
  } catch {
    // Missing (its holder is between taking the lock and writing the file) or unreadable: not provably gone.
  }
  return undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * A holder is gone when it ran on this host and its pid runs no more, or when its pid is ours: a container restarts
 * its process as the same pid (1), so a lock naming us that we did not take is left by our previous life.
 */
function isGone(owner: LockOwner, dataDir: string): boolean {
  if (owner.hostname !== hostname()) return false;
  if (owner.pid === process.pid) return !heldHere.has(resolve(dataDir));
  return !isRunning(owner.pid);
}

function lockedError(dataDir: string, owner: LockOwner | undefined): Error {
  const holder = owner ? ` (pid ${owner.pid} on ${owner.hostname})` : '';
  return new Error(
    `Another DataSync process${holder} is using the data folder ${dataDir}. Stop it, or set DATA_DIR to another folder.`,
  );
}

const isLocked = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ELOCKED';

/**
 * PGlite does not stop two processes from opening one data folder, and two writers would corrupt it.
 * The lock is refreshed while we run and goes stale 10 s after the process dies; a holder known to be gone (its
 * pid on this host no longer runs) is taken over at once, so a restart right after a crash works.
 */
export async function lockDataDir(dataDir: string, log?: WarnLog): Promise<() => Promise<void>> {
  let release: () => Promise<void>;
  try {
    release = await take(dataDir);
  } catch (error) {
    if (!isLocked(error)) throw error;
    const owner = await readOwner(dataDir);
    if (!owner || !isGone(owner, dataDir)) throw lockedError(dataDir, owner);
    log?.warn(
      { data_dir: dataDir, pid: owner.pid, hostname: owner.hostname },
      'The data folder was locked by a DataSync process that is no longer running: lock taken over',
    );
    await rm(lockPath(dataDir), { recursive: true, force: true });
    try {
      release = await take(dataDir);
    } catch (retryError) {
      if (isLocked(retryError)) throw lockedError(dataDir, await readOwner(dataDir));
      throw retryError;
    }
  }
  const owner: LockOwner = { pid: process.pid, hostname: hostname() };
  try {
    await writeFile(ownerPath(dataDir), JSON.stringify(owner), { mode: 0o600 });
  } catch (error) {
    await release();
    throw error;
  }
  heldHere.add(resolve(dataDir));
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    heldHere.delete(resolve(dataDir));
    await rm(ownerPath(dataDir), { force: true });
    await release();
  };
}
