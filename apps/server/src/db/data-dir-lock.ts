import lockfile from 'proper-lockfile';

/**
 * PGlite does not stop two processes from opening one data folder, and two writers would corrupt it.
 * The lock is refreshed while we run and goes stale if the process dies, so a crash does not wedge the folder.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath: `${dataDir}/datasync.lock`,
      retries: 0,
      stale: 10_000,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new Error(
        `Another DataSync process is using the data folder ${dataDir}. Stop it, or set DATA_DIR to another folder.`,
      );
    }
    throw error;
  }
}
