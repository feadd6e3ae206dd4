import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/**
 * Position after the last row of a page, for lists ordered newest first: (created_at DESC, id DESC).
 * `cursorKey` is created_at to the microsecond: the API's millisecond ISO strings would skip rows that share a
 * millisecond. Select it with `cursorKeyOf(table.createdAt)`.
 */
export interface Position {
  cursorKey: string;
  id: string;
}

/** A cursor that `encodeCursor` did not write; the HTTP layer answers it with a 400 naming the `cursor` field. */
export class InvalidCursorError extends Error {
  constructor() {
    super('The cursor is not one this API issued.');
    this.name = 'InvalidCursorError';
  }
}

/** created_at as exact UTC text, for the cursor (select it as `cursorKey`). */
export function cursorKeyOf(createdAt: PgColumn): SQL<string> {
  return sql<string>`to_char(${createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.cursorKey, position.id])).toString('base64url');
}

/** `cursorKeyOf`'s text: the cursor key goes into SQL as a timestamptz, so anything else would fail there (500). */
const CURSOR_KEY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a real instant: Date.parse takes `1` or February 30, which PostgreSQL refuses. */
function isCursorKey(text: string): boolean {
  const milliseconds = CURSOR_KEY.exec(text)?.[1];
  if (!milliseconds) return false;
  const time = Date.parse(`${milliseconds}Z`);
  return !Number.isNaN(time) && new Date(time).toISOString() === `${milliseconds}Z`;
}

export function decodeCursor(cursor: string): Position {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const [cursorKey, id] = Array.isArray(decoded) ? (decoded as unknown[]) : [];
    if (typeof cursorKey === 'string' && typeof id === 'string' && isCursorKey(cursorKey) && UUID.test(id))
      return { cursorKey, id };
  } catch {
    // falls through to the error below
  }
  throw new InvalidCursorError();
}

/**
 * Keyset pagination, newest first. Returns the WHERE condition for rows after `cursor` and the ORDER BY; fetch
 * `limit + 1` rows and pass them to `toPage` (http/pagination.ts), which tells from the extra row whether there
 * is a next page.
 */
export function keyset(columns: { createdAt: PgColumn; id: PgColumn }, cursor: string | undefined) {
  let after: SQL | undefined;
  if (cursor) {
    const position = decodeCursor(cursor);
    const at = sql`${position.cursorKey}::timestamptz`;
    after = or(lt(columns.createdAt, at), and(eq(columns.createdAt, at), lt(columns.id, position.id)));
  }
  return { after, orderBy: [desc(columns.createdAt), desc(columns.id)] };
}
