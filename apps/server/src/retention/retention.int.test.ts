import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics/metrics.js';
import {
  hashOf,
  historyCounts,
  insertAlert,
  insertAlertSend,
  insertDelivery,
  insertJob,
  insertLogLines,
  insertPayload,
  insertSite,
  insertSnapshot,
} from '../../test/support/history.js';
import { openTestDatabase, testDatabaseKind } from '../../test/support/test-database.js';
import { withTenant } from '../db/tenant.js';
import type { Database } from '../db/types.js';
import { insertPayloads } from '../sync/plan/planner.repo.js';
import { insertSiteDelivery, latestPlannedPayload } from '../sync/site-sends/site-deliveries.repo.js';
import { PRUNED_TABLES, pruneOnce, type PrunedTable } from './retention.service.js';

const OLD = 40;
const RECENT = 1;
const DAYS = 30;

let database: Database;
const orgs: Record<string, { orgId: string; keep: Record<string, string> }> = {};

/**
 * One organization's history: what the prune must delete (J1, J2 and their rows, an old failed own send, an old
 * payload nobody names any more, another never named, old alerts whose sends all finished, an old alert with no
 * send, the finished send of an old alert) and what it must keep (a running and a queued job with all of theirs, a
 * recent job, pending sends, both sites' snapshots with their payloads, a recent unused payload, an old alert with a
 * pending send, a recent alert).
 */
async function seedOrganization(label: string): Promise<{ orgId: string; keep: Record<string, string> }> {
  const { rows } = await database.executeSql(
    `INSERT INTO organizations (name, slug) VALUES ($1, $1) RETURNING id`,
    [label],
  );
  const orgId = (rows[0] as { id: string }).id;
  const [s1, s2] = [await insertSite(database, orgId, 's1'), await insertSite(database, orgId, 's2')];
  const payload = (name: string) => hashOf(`${label}/${name}`);
  for (const name of ['oldJob', 'snapshot', 'recentDelivery', 'pending', 'running', 'unusedOld'])
    await insertPayload(database, orgId, payload(name), OLD);
  await insertPayload(database, orgId, payload('unusedRecent'), RECENT);

  const j1 = await insertJob(database, orgId, 'success', OLD);
  await insertLogLines(database, orgId, j1, 3, OLD);
  for (const siteId of [s1, s2])
    await insertDelivery(database, {
      orgId,
      jobId: j1,
      siteId,
      status: 'success',
      ageDays: OLD,
      payloadHash: payload('oldJob'),
    });
  const j2 = await insertJob(database, orgId, 'failed', OLD);
  await insertLogLines(database, orgId, j2, 1, OLD);
  await insertDelivery(database, {
    orgId,
    jobId: j2,
    siteId: s1,
    status: 'failed',
    ageDays: OLD,
    payloadHash: payload('snapshot'),
  });
  await insertSnapshot(database, { orgId, siteId: s1, jobId: j2, payloadHash: payload('snapshot') });

  const j3 = await insertJob(database, orgId, 'running', OLD);
  await insertLogLines(database, orgId, j3, 2, OLD);
  await insertDelivery(database, {
    orgId,
    jobId: j3,
    siteId: s1,
    status: 'success',
    ageDays: OLD,
    payloadHash: payload('running'),
  });
  await insertDelivery(database, { orgId, jobId: j3, siteId: s2, status: 'pending', ageDays: OLD });
  const j4 = await insertJob(database, orgId, 'success', RECENT);
  await insertLogLines(database, orgId, j4, 2, RECENT);
  await insertDelivery(database, {
    orgId,
    jobId: j4,
    siteId: s2,
    status: 'success',
    ageDays: RECENT,
    payloadHash: payload('recentDelivery'),
  });
  await insertSnapshot(database, { orgId, siteId: s2, jobId: j4, payloadHash: payload('recentDelivery') });
  const j5 = await insertJob(database, orgId, 'queued', OLD);

  // The sites' own sends: an old failed retry (its payload is the old job's), an old pending one, a recent one.
  await insertDelivery(database, {
    orgId,
    jobId: null,
    siteId: s1,
    status: 'failed',
    ageDays: OLD,
    payloadHash: payload('oldJob'),
  });
  const pendingSend = await insertDelivery(database, {
    orgId,
    jobId: null,
    siteId: s2,
    status: 'pending',
    ageDays: OLD,
    payloadHash: payload('pending'),
  });
  await insertDelivery(database, {
    orgId,
    jobId: null,
    siteId: s1,
    trigger: 'redeliver',
    status: 'success',
    ageDays: RECENT,
    payloadHash: payload('snapshot'),
  });

  // Alerts: A1's sends all finished, A2 still has a pending one, A3 went to no channel, A4 is recent (of job J1).
  const a1 = await insertAlert(database, orgId, OLD);
  for (const status of ['success', 'failed'] as const)
    await insertAlertSend(database, { orgId, alertId: a1, status, ageDays: OLD });
  const a2 = await insertAlert(database, orgId, OLD);
  await insertAlertSend(database, { orgId, alertId: a2, status: 'success', ageDays: OLD });
  await insertAlertSend(database, { orgId, alertId: a2, status: 'pending', ageDays: OLD });
  await insertAlert(database, orgId, OLD);
  const a4 = await insertAlert(database, orgId, RECENT, j1);
  await insertAlertSend(database, { orgId, alertId: a4, status: 'success', ageDays: RECENT });
  return { orgId, keep: { j1, j2, j3, j4, j5, s1, s2, pendingSend, a2, a4 } };
}

beforeAll(async () => {
  database = await openTestDatabase();
  orgs.a = await seedOrganization('retention-a');
  orgs.b = await seedOrganization('retention-b');
});
afterAll(() => database?.close());

const silent = { info: () => {} };

async function counted(metrics: ReturnType<typeof createMetrics>): Promise<Record<PrunedTable, number>> {
  const { values } = await metrics.rowsPruned.get();
  return Object.fromEntries(
    PRUNED_TABLES.map((table) => [table, values.find((v) => v.labels.table === table)?.value ?? 0]),
  ) as Record<PrunedTable, number>;
}

async function rowsOfOrganization(orgId: string) {
  const query = async (text: string) => (await database.executeSql(text, [orgId])).rows;
  return {
    jobs: (
      await query(`SELECT id, status FROM sync_jobs WHERE organization_id = $1 ORDER BY created_at, id`)
    ).map((row) => (row as { id: string }).id),
    logLines: (
      await query(`SELECT job_id, count(*)::int AS n FROM job_logs WHERE organization_id = $1 GROUP BY 1`)
    )
      .map((row) => row as { job_id: string; n: number })
      .sort((x, y) => x.job_id.localeCompare(y.job_id)),
    deliveries: (await query(
      `SELECT job_id, status, trigger FROM deliveries WHERE organization_id = $1`,
    )) as { job_id: string | null; status: string; trigger: string | null }[],
    snapshots: (await query(
      `SELECT site_id, job_id, payload_hash FROM destination_snapshots WHERE organization_id = $1 ORDER BY site_id`,
    )) as { site_id: string; job_id: string | null; payload_hash: string }[],
    payloads: (
      (await query(`SELECT hash FROM payloads WHERE organization_id = $1`)) as { hash: string }[]
    ).map((row) => row.hash),
    alerts: (await query(`SELECT id, job_id FROM alerts WHERE organization_id = $1 ORDER BY created_at`)) as {
      id: string;
      job_id: string | null;
    }[],
    alertSends: (await query(
      `SELECT s.alert_id, s.status FROM alert_sends AS s JOIN alerts AS a ON a.id = s.alert_id
        WHERE s.organization_id = $1 ORDER BY a.created_at, s.status`,
    )) as { alert_id: string; status: string }[],
  };
}

const nothingPruned = Object.fromEntries(PRUNED_TABLES.map((table) => [table, 0]));

describe('pruneOnce', () => {
  it('stops before it deletes anything when it is stopped at once', async () => {
    const before = await historyCounts(database);
    const result = await pruneOnce(
      { db: database.db, log: silent },
      { retentionDays: DAYS, signal: AbortSignal.abort(), pauseRatio: 0 },
    );
    expect(result.complete).toBe(false);
    expect(result.rows).toEqual(nothingPruned);
    expect(await historyCounts(database)).toEqual(before);
  });

  it('deletes what is older than the window in both organizations, keeps the rest, and finds nothing more after', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const deps = { db: database.db, metrics, log: silent };
    expect(await historyCounts(database)).toEqual({
      sync_jobs: 10,
      job_logs: 16,
      deliveries: 18,
      payloads: 14,
      destination_snapshots: 4,
      alerts: 8,
      alert_sends: 10,
    });

    const first = await pruneOnce(deps, { retentionDays: DAYS, batchSize: 2, pauseRatio: 0 });
    expect(first.complete).toBe(true);
    const deleted = { job_logs: 8, deliveries: 8, sync_jobs: 4, alert_sends: 6, alerts: 4, payloads: 4 };
    expect(first.rows).toEqual(deleted);
    expect(await counted(metrics)).toEqual(deleted);
    expect(await historyCounts(database)).toEqual({
      sync_jobs: 6,
      job_logs: 8,
      deliveries: 10,
      payloads: 10,
      destination_snapshots: 4,
      alerts: 4,
      alert_sends: 4,
    });

    for (const label of ['a', 'b']) {
      const { orgId, keep } = orgs[label]!;
      const rows = await rowsOfOrganization(orgId);
      const hash = (name: string) => hashOf(`retention-${label}/${name}`);
      expect(rows.jobs.sort()).toEqual([keep.j3, keep.j4, keep.j5].sort());
      expect(rows.logLines).toEqual(
        [
          { job_id: keep.j3!, n: 2 },
          { job_id: keep.j4!, n: 2 },
        ].sort((x, y) => x.job_id.localeCompare(y.job_id)),
      );
      expect(rows.deliveries.map((d) => `${d.job_id ?? `own ${d.trigger}`} ${d.status}`).sort()).toEqual(
        [
          `${keep.j3} success`,
          `${keep.j3} pending`,
          `${keep.j4} success`,
          'own retry pending',
          'own redeliver success',
        ].sort(),
      );
      // Both snapshots stay; the one that named a deleted job names none now.
      expect(rows.snapshots).toEqual(
        [
          { site_id: keep.s1!, job_id: null, payload_hash: hash('snapshot') },
          { site_id: keep.s2!, job_id: keep.j4!, payload_hash: hash('recentDelivery') },
        ].sort((x, y) => x.site_id.localeCompare(y.site_id)),
      );
      expect(rows.payloads.sort()).toEqual(
        ['snapshot', 'recentDelivery', 'pending', 'running', 'unusedRecent'].map(hash).sort(),
      );
      // The old alert with a pending send stays with that send; the recent one names no job since J1 is gone.
      expect(rows.alerts).toEqual([
        { id: keep.a2!, job_id: null },
        { id: keep.a4!, job_id: null },
      ]);
      expect(rows.alertSends).toEqual([
        { alert_id: keep.a2!, status: 'pending' },
        { alert_id: keep.a4!, status: 'success' },
      ]);
    }

    const second = await pruneOnce(deps, { retentionDays: DAYS, batchSize: 2, pauseRatio: 0 });
    expect(second).toMatchObject({ complete: true, rows: nothingPruned });
    expect(await counted(metrics)).toEqual(deleted);
    expect((await historyCounts(database)).deliveries).toBe(10);
  });
});

describe('a prune beside a plan that reuses an old payload', () => {
  // PGlite runs one transaction at a time: the prune would wait for the plan's, and there is no race to lose.
  it.skipIf(testDatabaseKind() === 'pglite')(
    'skips the payload the plan holds, so the delivery the plan then commits does not name a deleted payload',
    async () => {
      const { rows } = await database.executeSql(
        `INSERT INTO organizations (name, slug) VALUES ('race', 'race') RETURNING id`,
      );
      const orgId = (rows[0] as { id: string }).id;
      const siteId = await insertSite(database, orgId, 'race');
      const hash = hashOf('race/reused');
      await insertPayload(database, orgId, hash, OLD);
      const deps = { db: database.db, log: silent };

      await withTenant(database.db, { orgId }, async (tx) => {
        // What the planner does with a payload it sends again, and then the prune, while the plan is not committed.
        await insertPayloads(tx, orgId, [{ hash, itemsJson: '[]' }]);
        const pruned = await pruneOnce(deps, { retentionDays: DAYS, pauseRatio: 0 });
        expect(pruned).toMatchObject({ complete: true, rows: { payloads: 0 } });
        await tx.execute(
          sql`INSERT INTO deliveries (organization_id, job_id, site_id, trigger, webhook_id, status, payload_hash)
              VALUES (${orgId}, NULL, ${siteId}, 'redeliver', 'msg_race', 'pending', ${hash})`,
        );
      });
      const left = await database.executeSql(
        `SELECT count(*)::int AS n FROM payloads WHERE organization_id = $1 AND hash = $2`,
        [orgId, hash],
      );
      expect(left.rows).toEqual([{ n: 1 }]);
    },
  );
});

describe('a prune beside a site’s own send of an old payload', () => {
  // As above: on PGlite the prune would wait for the send's transaction.
  it.skipIf(testDatabaseKind() === 'pglite')(
    'skips the payload the send holds, though the planned delivery it copies is pruned meanwhile',
    async () => {
      const { rows } = await database.executeSql(
        `INSERT INTO organizations (name, slug) VALUES ('own-send', 'own-send') RETURNING id`,
      );
      const orgId = (rows[0] as { id: string }).id;
      const siteId = await insertSite(database, orgId, 'own-send');
      const hash = hashOf('own-send/planned');
      await insertPayload(database, orgId, hash, OLD);
      const jobId = await insertJob(database, orgId, 'failed', OLD);
      await insertDelivery(database, {
        orgId,
        jobId,
        siteId,
        status: 'failed',
        ageDays: OLD,
        payloadHash: hash,
      });
      const deps = { db: database.db, log: silent };

      const sendId = await withTenant(database.db, { orgId }, async (tx) => {
        // What a redelivery does, and then the prune, while the send is not committed.
        const latest = await latestPlannedPayload(tx, siteId);
        expect(latest?.payloadHash).toBe(hash);
        const id = await insertSiteDelivery(tx, latest!, 'redeliver', null);
        const pruned = await pruneOnce(deps, { retentionDays: DAYS, pauseRatio: 0 });
        expect(pruned).toMatchObject({
          complete: true,
          rows: { ...nothingPruned, deliveries: 1, sync_jobs: 1 },
        });
        return id;
      });
      const left = await database.executeSql(
        `SELECT d.id, d.payload_hash, p.hash IS NOT NULL AS stored
           FROM deliveries AS d
           LEFT JOIN payloads AS p ON p.organization_id = d.organization_id AND p.hash = d.payload_hash
          WHERE d.organization_id = $1`,
        [orgId],
      );
      expect(left.rows).toEqual([{ id: sendId, payload_hash: hash, stored: true }]);
    },
  );
});
