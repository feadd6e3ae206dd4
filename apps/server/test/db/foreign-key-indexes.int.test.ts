import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/types.js';
import { rowsOf } from '../support/sql.js';
import { openTestDatabase } from '../support/test-database.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database?.close());

// A foreign key without an index on its columns makes every delete of the parent scan the child table.
it('has an index whose leading columns cover every foreign key', async () => {
  const foreignKeys = await rowsOf<{ table: string; name: string; columns: string }>(
    database.db,
    `SELECT conrelid::regclass::text AS table, conname AS name, array_to_string(conkey, ' ') AS columns
       FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`,
  );
  const indexes = await rowsOf<{ table: string; columns: string }>(
    database.db,
    `SELECT indrelid::regclass::text AS table, indkey::text AS columns
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace`,
  );
  expect(foreignKeys.length).toBeGreaterThan(10);
  const uncovered = foreignKeys.filter((fk) => {
    const wanted = new Set(fk.columns.split(' ').map(Number));
    return !indexes.some((index) => {
      if (index.table !== fk.table) return false;
      const leading = index.columns.split(' ').map(Number).slice(0, wanted.size);
      return leading.length === wanted.size && leading.every((column) => wanted.has(column));
    });
  });
  expect(uncovered.map((fk) => `${fk.table}.${fk.name}`)).toEqual([]);
});
