/** The SQLSTATE of a database error: node-postgres and PGlite both set `code`; Drizzle wraps it in `cause`. */
export function databaseErrorCode(error: unknown): string | undefined {
  for (
    let current = error;
    current && typeof current === 'object';
    current = (current as { cause?: unknown }).cause
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** True when `error` is PostgreSQL's unique_violation (23505), on either driver, wrapped by Drizzle or not. */
export function isUniqueViolation(error: unknown): boolean {
  return databaseErrorCode(error) === '23505';
}

/** True for foreign_key_violation (23503): e.g. deleting a row others still reference. */
export function isForeignKeyViolation(error: unknown): boolean {
  return databaseErrorCode(error) === '23503';
}
