import { sql, type SQL } from 'drizzle-orm';
import type { AppDb, Tx } from './types.js';

/**
 * Rows of a raw query on either driver (node-postgres returns a QueryResult, PGlite a Results object; both carry
 * `rows`), for the few statements Drizzle's builder cannot express (`UPDATE … FROM unnest(…)`). Columns keep their
 * SQL names; bigint counts come back as strings on node-postgres, so queries cast them `::int`.
 */
export async function rowsOf<T = Record<string, unknown>>(
  executor: AppDb | Tx,
  query: SQL | string,
): Promise<T[]> {
  const result = (await executor.execute(typeof query === 'string' ? sql.raw(query) : query)) as unknown as {
    rows: T[];
  };
  return result.rows;
}
