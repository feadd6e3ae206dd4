import type { Page } from '@datasync/contracts';
import { encodeCursor, type Position } from '../db/keyset.js';

export const DEFAULT_PAGE_SIZE = 50;

/** The page of a list read with `keyset` (db/keyset.ts): `limit + 1` rows, the extra one telling there is more. */
export function toPage<Row extends Position, Item>(
  rows: Row[],
  limit: number,
  map: (row: Row) => Item,
): Page<Item> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(map),
    next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}
