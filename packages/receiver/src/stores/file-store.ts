import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_SUFFIX, writeFileAtomic } from '../atomic-file.js';
import type { ReceiverStore, SiteRecord } from '../types.js';

export interface FileStore extends ReceiverStore {
  /** Every stored record, in no particular order (a rotating site's under each of its keys; older files too). */
  list(): Promise<SiteRecord[]>;
  readonly directory: string;
}

const PLAIN_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * State keys (`secret-sha256-…`) are plain and become file names as they are. Files of earlier versions, named by
 * the site id a sender chose (hashed unless plain), keep their names, so they stay readable.
 */
function fileNameFor(key: string): string {
  if (PLAIN_KEY.test(key)) return `site-${key}.json`;
  return `site-sha256-${createHash('sha256').update(key).digest('hex')}.json`;
}

const isRecordFile = (name: string) => name.startsWith('site-') && name.endsWith('.json');

async function readRecord(path: string): Promise<SiteRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as SiteRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** One JSON file per state key in `directory`, each replaced atomically (see writeFileAtomic). */
export function createFileStore(directory: string): FileStore {
  let ready: Promise<unknown> | undefined;
  const ensureDirectory = () =>
    (ready ??= mkdir(directory, { recursive: true }).catch((error: unknown) => {
      ready = undefined; // let the next write try again
      throw error;
    }));

  return {
    directory,
    read: (key) => readRecord(join(directory, fileNameFor(key))),
    async write(key, record) {
      await ensureDirectory();
      await writeFileAtomic(join(directory, fileNameFor(key)), JSON.stringify(record));
    },
    async list() {
      let names: string[];
      try {
        names = await readdir(directory);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const records = await Promise.all(
        names
          .filter((name) => isRecordFile(name) && !name.endsWith(TEMP_SUFFIX))
          .map((name) => readRecord(join(directory, name))),
      );
      return records.filter((record): record is SiteRecord => record !== undefined);
    },
  };
}
