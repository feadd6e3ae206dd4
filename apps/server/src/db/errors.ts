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

/** Socket-level failures to reach the database server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * True when the database could not be reached or dropped the connection (a server restart or failover, a network
 * blip), not when it refused the statement: SQLSTATE class 08, admin/crash shutdown and "starting up" (57P01–03),
 * refused or reset sockets, node-postgres's "Connection terminated" and its pool's connect timeout. Such a
 * statement may simply be run again once the server is back. Looks through Drizzle's `cause` chain.
 */
export function isConnectionError(error: unknown): boolean {
  return connectionErrorIn(error) !== undefined;
}

function causes(error: unknown): object[] {
  const chain: object[] = [];
  for (
    let current = error;
    current && typeof current === 'object';
    current = (current as { cause?: unknown }).cause
  )
    chain.push(current);
  return chain;
}

function isConnectionFailure(error: object): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
    if (NETWORK_CODES.has(code)) return true;
  }
  return (
    typeof message === 'string' &&
    /connection terminated|not queryable|connection is closed|timeout exceeded when trying to connect/i.test(
      message,
    )
  );
}

/** The connection error in `error`'s cause chain, if any. */
function connectionErrorIn(error: unknown): object | undefined {
  return causes(error).find(isConnectionFailure);
}

/**
 * What to log of a connection error: its code and message, never the query text and parameters that Drizzle's
 * wrapper around it carries.
 */
export function connectionErrorSummary(error: unknown): { code?: string; message?: string } {
  const { code, message } = (connectionErrorIn(error) ?? {}) as { code?: unknown; message?: unknown };
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
}

/**
 * Runs `work`, and runs it again (backing off from 100 ms to 2 s) while it fails because the database cannot be
 * reached, for up to `maxMs`; any other error, or the last connection error, is thrown. Only for work that is safe
 * to repeat: a transaction whose COMMIT was cut off may have committed.
 */
export async function retryWhileDisconnected<T>(
  work: () => Promise<T>,
  options: { maxMs?: number; onRetry?(error: unknown, attempt: number): void } = {},
): Promise<T> {
  const deadline = Date.now() + (options.maxMs ?? 60_000);
  for (let attempt = 1, delayMs = 100; ; attempt += 1, delayMs = Math.min(delayMs * 2, 2_000)) {
    try {
      return await work();
    } catch (error) {
      if (!isConnectionError(error) || Date.now() + delayMs > deadline) throw error;
      options.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
