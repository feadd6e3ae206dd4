import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { historyCounts, insertJob, insertLogLines } from '../../test/support/history.js';
import { openTestDatabase } from '../../test/support/test-database.js';
import { waitFor } from '../../test/support/wait.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/types.js';
import { QUEUES } from '../queue/job-queue.js';
import { startSyncEngine, type SyncEngine } from '../sync/engine/engine.js';
import { RETENTION_CRON } from './retention-job.js';

const RARE_CRON = '0 0 29 2 *';
let database: Database;
let engine: SyncEngine;
const logged: unknown[][] = [];
const log = {
  info: (...args: unknown[]) => logged.push(args),
  warn: () => {},
  error: (...args: unknown[]) => console.error(...args),
};

beforeAll(async () => {
  database = await openTestDatabase();
  // A worker's engine, as `datasync worker` starts it: the scheduler on, the prune job taken from the queue.
  engine = await startSyncEngine(database, {
    config: loadConfig({ NODE_ENV: 'test', RETENTION_DAYS: '7' }),
    encryptionKey: randomBytes(32),
    log,
    worker: true,
    // A slot that practically never comes (midnight of February 29th), so that no scheduled run overlaps the one
    // this test sends; the default slot is RETENTION_CRON.
    retention: { cron: RARE_CRON, pollingIntervalSeconds: 0.5 },
  });
});
afterAll(async () => {
  await engine?.stop();
  await database?.close();
});

it('schedules the prune on pg-boss’s cron where a worker runs, and a prune job deletes what is older than RETENTION_DAYS', async () => {
  // pg-boss's rows: its types leave out the time zone column.
  const schedules = (await engine.queue.boss.getSchedules()) as unknown as Record<string, unknown>[];
  expect(schedules.map(({ name, cron, timezone }) => ({ name, cron, timezone }))).toEqual([
    { name: QUEUES.retention, cron: RARE_CRON, timezone: 'UTC' },
  ]);
  expect(RETENTION_CRON).toBe('*/10 * * * *');

  const { rows } = await database.executeSql(
    `INSERT INTO organizations (name, slug) VALUES ('o', 'o') RETURNING id`,
  );
  const orgId = (rows[0] as { id: string }).id;
  const old = await insertJob(database, orgId, 'success', 8);
  await insertLogLines(database, orgId, old, 3, 8);
  const recent = await insertJob(database, orgId, 'partial', 6);
  await insertLogLines(database, orgId, recent, 2, 6);

  const id = await engine.queue.boss.send(QUEUES.retention, {});
  const job = await waitFor(
    'the prune job to complete',
    async () => {
      const found = await engine.queue.boss.getJobById(QUEUES.retention, id!);
      return found?.state === 'completed' || found?.state === 'failed' ? found : null;
    },
    15_000,
  );
  expect(job.state).toBe('completed');
  expect(await historyCounts(database)).toMatchObject({ sync_jobs: 1, job_logs: 2 });
  const [fields, message] = logged.find(([, text]) => String(text).startsWith('retention:'))!;
  expect(message).toBe('retention: pruned what is older than the window');
  expect(fields).toMatchObject({
    retention_days: 7,
    rows: { job_logs: 3, deliveries: 0, sync_jobs: 1, payloads: 0 },
    complete: true,
  });
  const counted = (await engine.metrics.rowsPruned.get()).values;
  expect(counted.find((value) => value.labels.table === 'job_logs')?.value).toBe(3);
});
