import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Database } from './types.js';

/** PostgreSQL when a URL is given, otherwise the embedded PGlite database in `<dataDir>/pglite`. */
export function openDatabase(
  options: { databaseUrl?: string; dataDir: string },
  log?: { warn(fields: object, message: string): void },
): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl)
    : openPglite({ dataDir: options.dataDir, log });
}
