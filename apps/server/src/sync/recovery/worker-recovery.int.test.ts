import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';
import { rowsOf } from '../../../test/support/sql.js';
import { createSyncJob, organizationWithSites } from '../../../test/support/sync-org.js';
import { createTestApp, planningContext, type TestApp } from '../../../test/support/test-app.js';
import { testDatabaseKind } from '../../../test/support/test-database.js';
import { waitFor } from '../../../test/support/wait.js';
import { processLiveLines } from '../../live/index.js';
import { QUEUES } from '../../queue/job-queue.js';
import { startSyncEngine } from '../engine/engine.js';
import type { SyncContext } from '../engine/sync-context.js';
import { planSyncJob } from '../plan/planner.js';
import type { DeliverJobData, PlanJobData } from '../queue/queue-jobs.js';
import { handBackOrphans, recordHeartbeat } from './recovery.repo.js';
import { createWorkerRecovery, handBackAtStart, sweepOrphans } from './worker-recovery.js';

// The rules that decide which active queue jobs belong to a dead process, on real pg-boss rows. The app runs no
// worker: the queue jobs are fetched here, by hand, and the workers that "hold" them are rows written here with the
// ages each case needs. Five sites per organization: one delivery queue job carrying five deliveries.

const SITES = 5;
const STALE_MS = 15_000;
const MARGIN_MS = 5_000;
const RULE = { staleAfterMs: STALE_MS, marginMs: MARGIN_MS };

let t: TestApp;
let receiver: Receiver;
let ctx: SyncContext;
const warnings: unknown[][] = [];
const deps = () => ({
  db: t.database.db,
  liveLines: processLiveLines,
  log: { info: () => {}, warn: (...args: unknown[]) => warnings.push(args), error: () => {} },
  wake: () => {},
});

beforeAll(async () => {
  receiver = await startReceiver({ status: 200 });
  t = await createTestApp({ allowedDestinationOrigins: [receiver.origin] }, { worker: false });
  ctx = planningContext(t);
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});
beforeEach(async () => {
  warnings.length = 0;
  await t.database.exec(
    `DELETE FROM pgboss.job WHERE name IN ('${QUEUES.plan}', '${QUEUES.deliver}'); DELETE FROM sync_workers;`,
  );
});

/** An organization whose sync job is planned and whose delivery queue job is active (fetched), as a worker's. */
async function activeSync(label: string) {
  const { owner, orgId } = await organizationWithSites(t.app, t.database.db, {
    label,
    count: SITES,
    destinationUrl: receiver.url,
  });
  const jobId = await createSyncJob(t.app, owner);
  const [plan] = await t.deps.queue.boss.fetch<PlanJobData>(QUEUES.plan);
  expect(plan!.data.jobId).toBe(jobId);
  await planSyncJob(ctx, plan!.data);
  await t.deps.queue.boss.complete(QUEUES.plan, plan!.id);
  const fetched = await t.deps.queue.boss.fetch<DeliverJobData>(QUEUES.deliver, { batchSize: 10 });
  expect(fetched).toHaveLength(1);
  return { jobId, orgId, queueJobId: fetched[0]!.id };
}

/** Moves a queue job's start `ageMs` into the past. */
async function startedAgo(queueJobId: string, ageMs: number) {
  await t.database.db.execute(
    sql`UPDATE pgboss.job SET started_on = now() - ${ageMs}::int * interval '1 millisecond' WHERE id = ${queueJobId}`,
  );
}

/** A worker row last seen `ageMs` ago, listing `held`. */
async function workerSeen(id: string, pid: number, ageMs: number, held: string[]) {
  await recordHeartbeat(t.database.db, { id, host: 'host-a', pid, heldJobIds: held });
  await t.database.db.execute(
    sql`UPDATE sync_workers SET last_seen_at = now() - ${ageMs}::int * interval '1 millisecond' WHERE id = ${id}`,
  );
}
const SWEEPER = '00000000-0000-4000-8000-000000000001';
const DEAD = '00000000-0000-4000-8000-000000000002';
const LIVE = '00000000-0000-4000-8000-000000000003';

async function queueJob(id: string) {
  const [row] = await rowsOf<{
    state: string;
    started_on: string;
    start_after_due: boolean;
    retry_count: number;
  }>(
    t.database.db,
    `SELECT state::text, started_on::text, start_after <= now() AS start_after_due, retry_count
       FROM pgboss.job WHERE id = '${id}'`,
  );
  return row!;
}

async function warnLines(jobId: string) {
  return rowsOf<{ level: string; message: string; metadata: Record<string, unknown> }>(
    t.database.db,
    `SELECT level, message, metadata FROM job_logs WHERE job_id = '${jobId}' AND level IN ('warn', 'error')
      ORDER BY id`,
  );
}

describe('handing back the queue jobs of a dead worker', () => {
  it('hands back what a silent worker held, at once, and says so on the job page', async () => {
    const { jobId, queueJobId } = await activeSync('Dead worker');
    await startedAgo(queueJobId, 20_000);
    await workerSeen(DEAD, 4242, STALE_MS + 1_000, [queueJobId]);
    await workerSeen(SWEEPER, 1, 0, []);
    const before = await queueJob(queueJobId);

    const handed = await sweepOrphans(deps(), RULE);

    expect(handed.map((job) => [job.id, job.state, job.host, job.pid])).toEqual([
      [queueJobId, 'retry', 'host-a', 4242],
    ]);
    const after = await queueJob(queueJobId);
    // pg-boss's fetch counts a retry from started_on, so it stays; the job is due now.
    expect(after).toEqual({ ...before, state: 'retry', start_after_due: true });
    const lines = await warnLines(jobId);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe('warn');
    expect(lines[0]!.message).toMatch(
      /^Work of this sync was held by worker host-a:4242, silent since \d\d:\d\d:\d\dZ; 5 deliveries are sent again now\.$/,
    );
    expect(lines[0]!.metadata).toMatchObject({ cause: 'dead-worker', resent: 5, worker: 'host-a:4242' });
    expect(warnings).toHaveLength(1);
    // A worker fetches it again straight away, as its first retry.
    const [again] = await t.deps.queue.boss.fetch<DeliverJobData>(QUEUES.deliver);
    expect(again!.id).toBe(queueJobId);
    expect((await queueJob(queueJobId)).retry_count).toBe(1);
  });

  it('leaves the jobs of a worker seen within staleAfter, however old they are', async () => {
    const { jobId, queueJobId } = await activeSync('Live worker');
    await startedAgo(queueJobId, 100_000);
    await workerSeen(LIVE, 4343, STALE_MS - 3_000, [queueJobId]);
    await workerSeen(SWEEPER, 1, 0, []);

    expect(await sweepOrphans(deps(), RULE)).toEqual([]);
    expect((await queueJob(queueJobId)).state).toBe('active');
    expect(await warnLines(jobId)).toEqual([]);
  });

  it('leaves an unlisted job until every live worker has reported since it started', async () => {
    const { jobId, queueJobId } = await activeSync('Just fetched');
    // Fetched by a worker that has not reported since: its last report is older than the job.
    await workerSeen(LIVE, 4343, 4_000, []);
    await workerSeen(SWEEPER, 1, 0, []);
    await startedAgo(queueJobId, 2_000);
    expect(await sweepOrphans(deps(), RULE)).toEqual([]);
    expect((await queueJob(queueJobId)).state).toBe('active');

    // Every live worker reported more than the margin after it started and none listed it: its worker died
    // before it could report it.
    await startedAgo(queueJobId, 12_000);
    await workerSeen(LIVE, 4343, 1_000, []);
    const handed = await sweepOrphans(deps(), RULE);
    expect(handed.map((job) => [job.id, job.state, job.host])).toEqual([[queueJobId, 'retry', null]]);
    expect((await warnLines(jobId)).map((line) => line.message)).toEqual([
      'Work of this sync was held by a worker that stopped; 5 deliveries are sent again now.',
    ]);
  });

  it('fails a job that has used up its retries instead of handing it out again', async () => {
    const { jobId, queueJobId } = await activeSync('Out of retries');
    await t.database.db.execute(
      sql`UPDATE pgboss.job SET retry_count = retry_limit WHERE id = ${queueJobId}`,
    );
    await startedAgo(queueJobId, 30_000);
    await workerSeen(DEAD, 4242, 20_000, [queueJobId]);
    await workerSeen(SWEEPER, 1, 0, []);

    const handed = await sweepOrphans(deps(), RULE);
    expect(handed.map((job) => [job.id, job.state])).toEqual([[queueJobId, 'failed']]);
    expect((await queueJob(queueJobId)).state).toBe('failed');
    const lines = await warnLines(jobId);
    expect(lines.map((line) => line.level)).toEqual(['error']);
    expect(lines[0]!.message).toMatch(/5 deliveries are not sent again \(used up their retries\)\.$/);
  });

  it('two sweeps at once hand each job back once', async () => {
    const syncs = [await activeSync('Race 1'), await activeSync('Race 2'), await activeSync('Race 3')];
    for (const sync of syncs) await startedAgo(sync.queueJobId, 30_000);
    await workerSeen(
      DEAD,
      4242,
      20_000,
      syncs.map((sync) => sync.queueJobId),
    );
    await workerSeen(SWEEPER, 1, 0, []);

    const [a, b] = await Promise.all([sweepOrphans(deps(), RULE), sweepOrphans(deps(), RULE)]);
    const ids = [...a, ...b].map((job) => job.id).sort();
    expect(ids).toEqual(syncs.map((sync) => sync.queueJobId).sort());
    for (const sync of syncs) expect(await warnLines(sync.jobId)).toHaveLength(1);
  });

  it.skipIf(testDatabaseKind() !== 'postgres')(
    'a sweep that meets one still committing waits for it and hands back nothing twice',
    async () => {
      const { jobId, queueJobId } = await activeSync('Overlap');
      await startedAgo(queueJobId, 30_000);
      await workerSeen(DEAD, 4242, 20_000, [queueJobId]);
      await workerSeen(SWEEPER, 1, 0, []);
      let second: Promise<unknown[]> | undefined;
      const first = await t.database.db.transaction(async (tx) => {
        const handed = await handBackOrphans(tx, { mode: 'orphans', ...RULE });
        // Started while the first has handed the job back but not committed: it finds the job active and must
        // wait for the row, then see it is no longer active.
        second = sweepOrphans(deps(), RULE);
        await new Promise((resolve) => setTimeout(resolve, 300));
        return handed;
      });
      expect(first.map((job) => job.id)).toEqual([queueJobId]);
      expect(await second).toEqual([]);
      expect((await queueJob(queueJobId)).state).toBe('retry');
      expect(await warnLines(jobId)).toEqual([]);
    },
  );

  it('hands back every active job at the start of an embedded database, and says the service restarted', async () => {
    const { jobId, queueJobId } = await activeSync('Restarted');
    const handed = await handBackAtStart(deps());
    expect(handed.map((job) => [job.id, job.state])).toEqual([[queueJobId, 'retry']]);
    expect((await warnLines(jobId)).map((line) => line.message)).toEqual([
      'DataSync restarted after stopping mid-sync; 5 deliveries are sent again now.',
    ]);
  });

  it('hands back a plan held by a dead worker', async () => {
    const { owner } = await organizationWithSites(t.app, t.database.db, {
      label: 'Dead planner',
      count: SITES,
      destinationUrl: receiver.url,
    });
    const jobId = await createSyncJob(t.app, owner);
    const [plan] = await t.deps.queue.boss.fetch<PlanJobData>(QUEUES.plan);
    await startedAgo(plan!.id, 30_000);
    await workerSeen(DEAD, 4242, 20_000, [plan!.id]);
    await workerSeen(SWEEPER, 1, 0, []);
    const handed = await sweepOrphans(deps(), RULE);
    expect(handed.map((job) => [job.id, job.state])).toEqual([[plan!.id, 'retry']]);
    expect((await warnLines(jobId)).map((line) => line.message)).toEqual([
      expect.stringMatching(
        /^Work of this sync was held by worker host-a:4242, .*; the plan runs again now\.$/,
      ),
    ]);
  });

  it('forgets workers silent for much longer than staleAfter', async () => {
    await workerSeen(DEAD, 4242, 20 * STALE_MS + 1_000, []);
    await workerSeen(LIVE, 4343, 2 * STALE_MS, []);
    await sweepOrphans(deps(), RULE);
    const rows = await rowsOf<{ id: string }>(t.database.db, 'SELECT id FROM sync_workers ORDER BY id');
    expect(rows.map((row) => row.id)).toEqual([LIVE]);
  });
});

describe.skipIf(testDatabaseKind() !== 'pglite')('an embedded database restarted mid-sync', () => {
  it('the engine hands back what was active before its worker fetches, and every site gets its version', async () => {
    // As after a kill -9 of `serve`: the queue job is active and no process holds it.
    const { jobId, orgId } = await activeSync('Restart');
    const engine = await startSyncEngine(t.database, {
      config: { ...t.deps.config, allowedDestinationOrigins: [receiver.origin] },
      encryptionKey: t.deps.keys.encryption,
      log: deps().log,
      workerOptions: { pollMs: 100 },
    });
    const started = performance.now();
    try {
      await waitFor(
        'every site to hold version 1',
        async () =>
          (
            await rowsOf<{ n: number }>(
              t.database.db,
              `SELECT count(*)::int AS n FROM destination_snapshots WHERE organization_id = '${orgId}' AND version = 1`,
            )
          )[0]!.n === SITES,
        10_000,
      );
    } finally {
      await engine.stop();
    }
    console.log(
      `[restart, PGlite] ${SITES} sites on their newest version ${Math.round(performance.now() - started)} ms after the engine started`,
    );
    expect((await warnLines(jobId)).map((line) => line.message)).toEqual([
      'DataSync restarted after stopping mid-sync; 5 deliveries are sent again now.',
    ]);
  });
});

describe('a worker’s presence', () => {
  it('registers with what it holds, reports it again, and removes its row on stop', async () => {
    const held = new Set(['00000000-0000-4000-8000-0000000000aa']);
    const recovery = createWorkerRecovery({
      ...deps(),
      kind: t.database.kind,
      staleAfterMs: 3_000,
      heldJobIds: () => held,
    });
    await recovery.start();
    const row = async () =>
      (
        await rowsOf<{ held_job_ids: string[] | string; pid: number }>(
          t.database.db,
          `SELECT held_job_ids, pid FROM sync_workers WHERE id = '${recovery.workerId}'`,
        )
      )[0];
    const idsOf = (value: string[] | string) =>
      Array.isArray(value) ? value : value.replace(/[{}]/g, '').split(',').filter(Boolean);
    expect(idsOf((await row())!.held_job_ids)).toEqual([...held]);
    expect((await row())!.pid).toBe(process.pid);
    held.clear();
    // The next report (every second with staleAfter 3 s) lists nothing.
    const deadline = Date.now() + 5_000;
    while (idsOf((await row())!.held_job_ids).length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(idsOf((await row())!.held_job_ids)).toEqual([]);
    await recovery.stop();
    expect(await row()).toBeUndefined();
  });
});
