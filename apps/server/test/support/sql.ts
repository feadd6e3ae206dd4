export { rowsOf } from '../../src/db/rows-of.js';

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
