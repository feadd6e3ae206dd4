import { sql, type SQL } from 'drizzle-orm';
import type { AppDb, Tx } from '../../src/db/types.js';

/**
 * Rows of a raw query on either driver (node-postgres returns a QueryResult, PGlite a Results object; both carry
 * `rows`). Counts come back as strings on node-postgres, so queries cast them `::int`.
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

/** The database's own message: Drizzle wraps driver errors in "Failed query: …" with the original as `cause`. */
export function databaseErrorMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : String((error as Error)?.message ?? error);
}

/** Resolves to the database's error message, or fails the test if `work` succeeded. */
export async function databaseError(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return databaseErrorMessage(error);
  }
  throw new Error('expected the database to refuse, but it accepted');
}
