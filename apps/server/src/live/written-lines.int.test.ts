import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../test/support/sql.js';
import { organizationWithSites, type SyncOrgSite } from '../../test/support/sync-org.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { writeJobLogs } from '../sync/jobs/job-log-writer.js';
import type { NewLog } from '../sync/jobs/job-logs.repo.js';
import { JobTails, type JobTail } from './job-tail.js';
import { selectJobLogRows } from './live.repo.js';
import { NotificationHub } from './notification-hub.js';
import { writtenLines } from './written-lines.js';

// A job's tail taking the lines this process wrote (insertLogs keeps them, written-lines.ts) instead of reading them
// back, on PGlite (where the service does so) and on PostgreSQL (where notifications come over LISTEN and
// concurrent writers really overlap). Every read the tails make is counted.

let t: TestApp;
let hub: NotificationHub;
let tails: JobTails;
let orgId: string;
let sites: SyncOrgSite[];
const reads: { jobId: string; rows: number }[] = [];
/** While set, the tails' reads wait for it before they query (their position is already given). */
let holdReads: Promise<void> | null = null;

beforeAll(async () => {
  // No job here is planned or sent: the sites only give the lines a site (and its slug) to be about.
  t = await createTestApp({ allowedDestinationOrigins: ['http://127.0.0.1:9'] });
  ({ orgId, sites } = await organizationWithSites(t.app, t.database.db, {
    label: 'Written Lines Org',
    count: 3,
    destinationUrl: 'http://127.0.0.1:9/hook',
  }));
  hub = new NotificationHub({ listen: t.database.listen });
  tails = new JobTails(
    t.database.db,
    async (org, jobId, afterId, limit) => {
      if (holdReads) await holdReads;
      const rows = await selectJobLogRows(t.database, org, jobId, afterId, limit);
      reads.push({ jobId, rows: rows.length });
      return rows;
    },
    (jobId, wake) => hub.subscribeJob(jobId, wake),
    (error) => {
      throw error;
    },
    writtenLines,
  );
});

afterAll(async () => {
  await hub?.close();
  await t?.close();
});

async function insertJob(): Promise<string> {
  const [row] = await rowsOf<{ id: string }>(
    t.database.db,
    `INSERT INTO sync_jobs (organization_id, status, trigger) VALUES ('${orgId}', 'running', 'api') RETURNING id`,
  );
  return row!.id;
}

function write(jobId: string, lines: Partial<NewLog>[], rollBack = false): Promise<void> {
  return t.database.db
    .transaction(async (tx) => {
      await writeJobLogs(
        tx,
        writtenLines,
        lines.map((line) => ({ organizationId: orgId, jobId, level: 'info', message: 'line', ...line })),
      );
      if (rollBack) throw new Error('roll back');
    })
    .catch((error: Error) => {
      if (error.message !== 'roll back') throw error;
    });
}

const windowIds = (tail: JobTail) => (tail.linesAfter(0, 10_000) ?? []).map((row) => row.log.id);

async function until(what: string, check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('a job tail with the lines its process wrote', () => {
  it('takes them at the notification without reading them back: the rows a read returns', async () => {
    const jobId = await insertJob();
    const tail = await tails.acquire(jobId, orgId);
    try {
      await until('the first read', () => reads.some((read) => read.jobId === jobId));
      const readsBefore = reads.length;
      await write(jobId, [
        { message: 'plain' },
        {
          siteId: sites[0]!.id,
          siteStatus: 'pending',
          message: 'queued',
          metadata: { version: 3, payload_hash: 'abc', nested: { z: 1, a: [1, 2] } },
        },
      ]);
      await write(jobId, [{ jobStatus: 'success', message: 'done' }]);
      await until('three lines in the window', () => windowIds(tail).length === 3);

      expect(reads.length).toBe(readsBefore);
      expect(writtenLines.size).toBe(0);
      const asRead = await selectJobLogRows(t.database, orgId, jobId, 0, 100);
      expect(tail.linesAfter(0, 100)).toEqual(asRead);
      expect(asRead[1]!.siteSlug).toBe(sites[0]!.slug);
    } finally {
      tails.release(jobId);
    }
  });

  it('never shows the lines of a transaction that rolled back, nor keeps them once the job is let go', async () => {
    const jobId = await insertJob();
    const tail = await tails.acquire(jobId, orgId);
    await until('the first read', () => reads.some((read) => read.jobId === jobId));
    await write(jobId, [{ message: 'rolled back' }], true);
    expect(writtenLines.size).toBe(1);
    await write(jobId, [{ message: 'kept' }]);
    await until('one line in the window', () => windowIds(tail).length === 1);
    expect(tail.linesAfter(0, 10)!.map((row) => row.log.message)).toEqual(['kept']);
    tails.release(jobId);
    expect(writtenLines.wants(jobId)).toBe(false);
    expect(writtenLines.size).toBe(0);
  });

  it('leaves lines that commit while a read is under way to that read: each line once', async () => {
    let release = () => {};
    holdReads = new Promise((resolve) => (release = resolve));
    const jobId = await insertJob();
    const tail = await tails.acquire(jobId, orgId); // its first read waits, from the job's start
    try {
      await write(jobId, [{ message: 'a' }, { message: 'b' }]);
      await until('the notification', () => writtenLines.size === 0);
      holdReads = null;
      release();
      await until('the read', () => reads.some((read) => read.jobId === jobId && read.rows === 2));
      await write(jobId, [{ message: 'c' }]);
      await until('three lines', () => windowIds(tail).length >= 3);
      expect(tail.linesAfter(0, 100)).toEqual(await selectJobLogRows(t.database, orgId, jobId, 0, 100));
    } finally {
      holdReads = null;
      release();
      tails.release(jobId);
    }
  });

  it('concurrent writers: the window holds every line once, in id order, whichever way each came', async () => {
    const jobId = await insertJob();
    const tail = await tails.acquire(jobId, orgId);
    try {
      const WRITERS = 4;
      const TRANSACTIONS = 15;
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          for (let n = 0; n < TRANSACTIONS; n++)
            await write(jobId, [
              { message: `writer ${writer} tx ${n} a` },
              { message: `writer ${writer} tx ${n} b` },
            ]);
        }),
      );
      const all = await selectJobLogRows(t.database, orgId, jobId, 0, 1_000);
      expect(all).toHaveLength(WRITERS * TRANSACTIONS * 2);
      await until('every line in the window', () => windowIds(tail).length === all.length);
      expect(tail.linesAfter(0, 1_000)).toEqual(all);
    } finally {
      tails.release(jobId);
    }
  });
});
