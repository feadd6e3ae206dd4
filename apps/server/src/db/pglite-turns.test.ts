import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from './pglite.js';
import type { Database } from './types.js';

let database: Database;

beforeAll(async () => {
  database = await openPglite();
});

afterAll(async () => {
  await database?.close();
});

describe('the embedded database (openPglite)', () => {
  it('lets the event loop turn between the statements of a transaction', async () => {
    const STATEMENTS = 20;
    let statementsDone = 0;
    const turns: number[] = [];
    const timer = setInterval(() => turns.push(statementsDone), 0);
    try {
      await database.db.transaction(async (tx) => {
        for (let n = 0; n < STATEMENTS; n++) {
          await tx.execute(sql`SELECT ${n}::int AS n`);
          statementsDone += 1;
        }
      });
    } finally {
      clearInterval(timer);
    }
    // Timers ran while the transaction was open, not only once it had ended.
    expect(turns.some((done) => done > 0 && done < STATEMENTS)).toBe(true);
  });

  it('still runs a transaction alone: a query from outside waits for its end', async () => {
    await database.exec('CREATE TABLE turns (n int)');
    const order: string[] = [];
    const transaction = database.db.transaction(async (tx) => {
      for (let n = 0; n < 5; n++) await tx.execute(sql`INSERT INTO turns VALUES (${n})`);
      order.push('transaction');
    });
    const outside = database.executeSql('SELECT count(*)::int AS count FROM turns').then(({ rows }) => {
      order.push('outside');
      return rows[0] as { count: number };
    });
    await transaction;
    expect(await outside).toEqual({ count: 5 });
    expect(order).toEqual(['transaction', 'outside']);
  });
});
