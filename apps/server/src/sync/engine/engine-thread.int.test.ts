import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';
import { rowsOf } from '../../../test/support/sql.js';
import { createSyncJob, organizationWithSites } from '../../../test/support/sync-org.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import {
  openTestDatabase,
  testDatabaseKind,
  type TestDatabase,
} from '../../../test/support/test-database.js';
import { signUp } from '../../../test/support/users.js';
import { waitFor } from '../../../test/support/wait.js';
import { raiseAlerts } from '../../alerts/alert-events.js';
import { withTenant } from '../../db/tenant.js';
import { JobTails } from '../../live/job-tail.js';
import { selectJobLogRows } from '../../live/live.repo.js';
import { NotificationHub } from '../../live/notification-hub.js';
import { writtenLines } from '../../live/written-lines.js';
import { withMergedMetrics } from '../../metrics/metrics.js';
import { QUEUES } from '../../queue/job-queue.js';
import { startEngineThread, type EngineThread } from './engine-thread.js';
import { PLAN_JOB_OPTIONS, type PlanJobData } from '../queue/queue-jobs.js';
import { WORK_CHANNEL } from '../queue/work-signal.js';

// The engine in a worker thread (decision 013), as `datasync serve` and `datasync worker` run it on PostgreSQL:
// the API on this thread queues the job, the thread's own connections plan and deliver it.
describe.skipIf(testDatabaseKind() !== 'postgres')('sync engine thread (PostgreSQL)', () => {
  const secretKey = randomBytes(32).toString('base64url');
  let database: TestDatabase;
  let receiver: Receiver;
  let t: TestApp;
  let thread: EngineThread | undefined;
  const logged: { level: string; args: unknown[] }[] = [];
  const log = {
    info: (...args: unknown[]) => logged.push({ level: 'info', args }),
    warn: (...args: unknown[]) => logged.push({ level: 'warn', args }),
    error: (...args: unknown[]) => logged.push({ level: 'error', args }),
  };

  beforeAll(async () => {
    database = await openTestDatabase();
    receiver = await startReceiver({ status: 200, body: '{}' });
    // No worker on this thread: whatever is delivered, the engine thread delivered.
    t = await createTestApp(
      { allowedDestinationOrigins: [receiver.origin] },
      { database, secretKey, worker: false },
    );
    thread = await startEngineThread({
      config: { ...t.deps.config, databaseUrl: database.url, secretKey },
      encryptionKey: t.deps.keys.encryption,
      log,
    });
  });
  afterAll(async () => {
    await thread?.stop();
    await t?.close();
    await receiver?.close();
    await database?.close();
  });

  it('delivers a job queued on the main thread, and its metrics reach the main thread’s /metrics', async () => {
    const { owner } = await organizationWithSites(t.app, database.db, {
      label: 'Thread Org',
      count: 5,
      destinationUrl: receiver.url,
    });
    const jobId = await createSyncJob(t.app, owner);
    const status = async () =>
      (
        await rowsOf<{ status: string }>(database.db, `SELECT status FROM sync_jobs WHERE id = '${jobId}'`)
      )[0]!.status;
    await waitFor('the job to succeed', async () => (await status()) === 'success', 20_000);
    expect(receiver.requests).toHaveLength(5);
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(5);

    const merged = await withMergedMetrics(t.deps.metrics, thread!.metrics).scrape();
    expect(merged).toMatch(/^datasync_deliveries_total\{outcome="success"\} 5$/m);
    expect(merged).toMatch(/^datasync_sync_job_duration_seconds_count\{status="success"\} 1$/m);
    // Process metrics and queue depths once, from the main thread's registry.
    const families = (text: string) => text.match(/^# TYPE datasync_(process_|queue_depth)\S*/gm) ?? [];
    const ours = await t.deps.metrics.scrape();
    expect(families(ours)).toEqual(
      expect.arrayContaining([
        '# TYPE datasync_process_process_start_time_seconds',
        '# TYPE datasync_queue_depth',
      ]),
    );
    expect(families(merged)).toEqual(families(ours));
    // This thread delivered nothing: its own registry counts no delivery.
    expect(ours).not.toMatch(/^datasync_deliveries_total\{/m);
    expect(logged.filter((entry) => entry.level === 'error')).toEqual([]);
  });

  it('sends the alerts raised in any process from its own alert sender (none runs on this thread)', async () => {
    const owner = await signUp(t.app, { organization: 'Alerted Org' });
    const orgId = owner.me.organization.id;
    const channel = await t.app.inject({
      method: 'POST',
      url: '/api/v1/alert-channels',
      headers: owner.headers,
      payload: { type: 'webhook', url: receiver.url },
    });
    expect(channel.statusCode, channel.body).toBe(201);
    const jobId = await createSyncJob(t.app, owner);
    await withTenant(database.db, { orgId }, (tx) =>
      raiseAlerts(tx, t.deps.queue.boss, [
        { type: 'sync.failed', organizationId: orgId, jobId, status: 'failed' },
      ]),
    );
    const alert = await waitFor(
      'the alert at the receiver',
      () => receiver.requests.find((request) => JSON.parse(request.body).type === 'sync.failed'),
      20_000,
    );
    expect(JSON.parse(alert.body)).toMatchObject({ organization: { id: orgId }, job: { id: jobId } });
    const merged = await withMergedMetrics(t.deps.metrics, thread!.metrics).scrape();
    expect(merged).toMatch(
      /^datasync_alerts_sent_total\{type="sync.failed",channel="webhook",outcome="success"\} 1$/m,
    );
  });

  it('rejects when the engine cannot start in its thread (a database it cannot reach)', async () => {
    await expect(
      startEngineThread({
        config: { ...t.deps.config, databaseUrl: 'postgres://nobody@127.0.0.1:1/none', secretKey },
        encryptionKey: t.deps.keys.encryption,
        log,
      }),
    ).rejects.toThrow(/ECONNREFUSED|connect/);
  });

  it('hands the lines it writes for a job to the live tail of this thread, which takes them without reading them back', async () => {
    // As startServiceEngine does: this thread shares its written lines with the engine thread (written-lines.ts).
    const stopSharing = writtenLines.shareAcrossThreads();
    const hub = new NotificationHub({ listen: database.listen });
    const rowsRead: number[] = [];
    const tails = new JobTails(
      database.db,
      async (orgId, jobId, afterId, limit) => {
        const rows = await selectJobLogRows(database, orgId, jobId, afterId, limit);
        rowsRead.push(rows.length);
        return rows;
      },
      (jobId, wake) => hub.subscribeJob(jobId, wake),
      (error) => {
        throw error;
      },
      writtenLines,
    );
    const { orgId } = await organizationWithSites(t.app, database.db, {
      label: 'Tail Org',
      count: 5,
      destinationUrl: receiver.url,
    });
    // The job's row first and its plan once the tail follows it, so that every line is written while it does.
    const [job] = await rowsOf<{ id: string }>(
      database.db,
      `INSERT INTO sync_jobs (organization_id, status, trigger) VALUES ('${orgId}', 'queued', 'api') RETURNING id`,
    );
    const jobId = job!.id;
    const tail = await tails.acquire(jobId, orgId);
    try {
      await t.deps.queue.boss.send(QUEUES.plan, { jobId, orgId } satisfies PlanJobData, PLAN_JOB_OPTIONS);
      await rowsOf(database.db, `SELECT pg_notify('${WORK_CHANNEL}', '')`);
      const final = () => tail.linesAfter(0, 1_000)?.some((row) => row.log.jobStatus === 'success');
      await waitFor('the job’s final line in the tail', final, 20_000);

      const all = await selectJobLogRows(database, orgId, jobId, 0, 1_000);
      expect(all).toHaveLength(12); // the start, 5 queued, 5 delivered, the end
      expect(tail.linesAfter(0, 1_000)).toEqual(all);
      // The tail's first read (from the job's start) found nothing; the engine thread's lines came without a read.
      // (One posted after its notification had arrived would be read back, so this does not insist on 0.)
      const read = rowsRead.reduce((sum, rows) => sum + rows, 0);
      expect(read, `lines read back of ${all.length}`).toBeLessThan(all.length / 2);
    } finally {
      tails.release(jobId);
      await hub.close();
      stopSharing();
    }
  });

  it('stops: the thread exits, and nothing delivers any more', async () => {
    await thread!.stop();
    thread = undefined;
    // Nothing delivers any more: a new job stays queued.
    const { owner } = await organizationWithSites(t.app, database.db, {
      label: 'After Stop Org',
      count: 3,
      destinationUrl: receiver.url,
    });
    const before = receiver.requests.length;
    const jobId = await createSyncJob(t.app, owner);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const [job] = await rowsOf<{ status: string }>(
      database.db,
      `SELECT status FROM sync_jobs WHERE id = '${jobId}'`,
    );
    expect(job!.status).toBe('queued');
    expect(receiver.requests.length).toBe(before);
  });
});
