import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../test/support/sql.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/support/test-database.js';
import { openPostgres } from '../db/postgres.js';
import { withTenant } from '../db/tenant.js';
import type { Database } from '../db/types.js';
import { QUEUES, startJobQueue, transactionExecutor } from './job-queue.js';

let database: Database;
let boss: PgBoss;
const orgId = randomUUID();

beforeAll(async () => {
  database = await openTestDatabase();
  boss = await startJobQueue(database, (error) => {
    throw error;
  });
  await database.exec(
    `INSERT INTO organizations (id, name, slug) VALUES ('${orgId}', 'Queue Org', 'queue-${orgId}')`,
  );
});
afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await database?.close();
});

async function enqueueWithJobRow(fail: boolean): Promise<string> {
  const jobId = randomUUID();
  await withTenant(database.db, { orgId }, async (tx) => {
    // As the app role, under RLS, like a request.
    await tx.execute(
      sql`INSERT INTO sync_jobs (id, organization_id, trigger) VALUES (${jobId}, ${orgId}, 'manual')`,
    );
    await boss.send(QUEUES.plan, { jobId, orgId }, { db: transactionExecutor(tx) });
    if (fail) throw new Error('roll back');
  }).catch((error: Error) => {
    if (error.message !== 'roll back') throw error;
  });
  return jobId;
}

describe('the job queue (pg-boss 10 on this database)', () => {
  it('enqueues in the same transaction as the job row: both commit or neither', async () => {
    const committed = await enqueueWithJobRow(false);
    const rolledBack = await enqueueWithJobRow(true);
    const rows = await rowsOf<{ id: string }>(database.db, 'SELECT id FROM sync_jobs');
    expect(rows.map((r) => r.id)).toEqual([committed]);

    const jobs = await boss.fetch<{ jobId: string }>(QUEUES.plan, { batchSize: 10 });
    expect(jobs.map((job) => job.data.jobId)).toEqual([committed]);
    expect(jobs.map((job) => job.data.jobId)).not.toContain(rolledBack);
    await boss.complete(
      QUEUES.plan,
      jobs.map((job) => job.id),
    );
    expect(await boss.fetch(QUEUES.plan)).toEqual([]);
  });

  it('hands each job to one fetcher only, even when fetches race', async () => {
    await boss.insert(Array.from({ length: 50 }, (_, n) => ({ name: QUEUES.deliver, data: { n } })));
    const batches = await Promise.all(
      Array.from({ length: 5 }, () => boss.fetch<{ n: number }>(QUEUES.deliver, { batchSize: 20 })),
    );
    const seen = batches.flat().map((job) => job.data.n);
    expect(seen).toHaveLength(50);
    expect(new Set(seen).size).toBe(50);
  });

  it.skipIf(testDatabaseKind() !== 'postgres')(
    'starts in several processes at once on a fresh database (schema and grant races are retried)',
    async () => {
      const fresh = await openTestDatabase();
      const pools = await Promise.all([1, 2, 3, 4].map(() => openPostgres((fresh as TestDatabase).url!, 2)));
      try {
        const bosses = await Promise.all(pools.map((pool) => startJobQueue(pool, () => {})));
        await Promise.all(bosses.map((started) => started.stop({ graceful: false, wait: true })));
      } finally {
        await Promise.all(pools.map((pool) => pool.close()));
        await fresh.close();
      }
    },
  );

  it(`starts again on the same database (${testDatabaseKind()}) without error`, async () => {
    const second = await startJobQueue(database, (error) => {
      throw error;
    });
    await second.stop({ graceful: false, wait: true });
  });
});
