import { getTableColumns, getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rowsOf } from '../../../test/support/sql.js';
import { openTestDatabase } from '../../../test/support/test-database.js';
import type { Database } from '../types.js';
import * as schema from './index.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database?.close());

// The SQL migrations are the source of truth; Drizzle's table definitions must name the same columns, with the
// same nullability, or queries fail at run time on the first row that differs.
it('declares exactly the tables and columns the migrations create', async () => {
  const actual = await rowsOf<{ table_name: string; column_name: string; is_nullable: 'YES' | 'NO' }>(
    database.db,
    `SELECT table_name, column_name, is_nullable FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name NOT LIKE '\\_\\_%' ORDER BY table_name, column_name`,
  );
  const fromDatabase = actual.map(
    (c) => `${c.table_name}.${c.column_name}${c.is_nullable === 'NO' ? ' not null' : ''}`,
  );

  const fromDrizzle = Object.values(schema as Record<string, unknown>)
    .filter((value): value is PgTable => is(value, PgTable))
    .flatMap((table) =>
      Object.values(getTableColumns(table)).map(
        (column) => `${getTableName(table)}.${column.name}${column.notNull ? ' not null' : ''}`,
      ),
    )
    .sort();

  expect(fromDrizzle).toEqual([...fromDatabase].sort());
});
