import { afterAll, beforeAll, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenant.js';
import type { Database } from '../../src/db/types.js';
import { recordAcceptedDeliveries } from '../../src/sync/record/outcomes.repo.js';
import { rowsOf } from '../support/sql.js';
import { openTestDatabase } from '../support/test-database.js';

// Migration 0008: recording a success updates its site and its snapshot without writing any index entry (a HOT
// update), which needs room in their pages and no index on a column the record changes; and deleting a job still
// clears the job its sites' snapshots name, as the foreign key it replaced did.

const ORG = '00000000-0000-4000-8000-000000000801';
const SITES = ['00000000-0000-4000-8000-000000000811', '00000000-0000-4000-8000-000000000812'];
const JOBS = ['00000000-0000-4000-8000-000000000821', '00000000-0000-4000-8000-000000000822'];
const DELIVERIES = ['00000000-0000-4000-8000-000000000831', '00000000-0000-4000-8000-000000000832'];

let database: Database;

beforeAll(async () => {
  database = await openTestDatabase();
  // Site i has an older snapshot and a pending delivery of version 2 in job i.
  const perSite = SITES.map(
    (site, i) => `
      INSERT INTO sites (id, organization_id, name, slug, destination_url, signing_secret_encrypted)
        VALUES ('${site}', '${ORG}', 'Site ${i}', 'site-${i}', 'https://example.test/${i}', 'ciphertext');
      INSERT INTO sync_jobs (id, organization_id, trigger) VALUES ('${JOBS[i]}', '${ORG}', 'manual');
      INSERT INTO destination_snapshots (organization_id, site_id, version, envelope, payload_hash, item_count)
        VALUES ('${ORG}', '${site}', 1, '{"v":1}', 'h', 0);
      INSERT INTO deliveries (id, organization_id, job_id, site_id, webhook_id, version, envelope, payload_hash,
                              item_count)
        VALUES ('${DELIVERIES[i]}', '${ORG}', '${JOBS[i]}', '${site}', 'msg_${i}', 2, '{"v":2}', 'h', 0);`,
  );
  await database.exec(
    `INSERT INTO organizations (id, name, slug) VALUES ('${ORG}', 'Hot', 'hot');
     INSERT INTO payloads (organization_id, hash, items) VALUES ('${ORG}', 'h', '[]');` + perSite.join(''),
  );
});
afterAll(() => database?.close());

const snapshots = () =>
  rowsOf<{ site_id: string; version: number; job_id: string | null }>(
    database.db,
    `SELECT site_id, version, job_id FROM destination_snapshots WHERE organization_id = '${ORG}' ORDER BY site_id`,
  );

it('keeps room in the pages of sites and snapshots', async () => {
  const options = await rowsOf<{ table: string; options: string[] | null }>(
    database.db,
    `SELECT relname AS table, reloptions AS options FROM pg_class
      WHERE relname IN ('sites', 'destination_snapshots') AND relkind = 'r' ORDER BY relname`,
  );
  expect(options).toEqual([
    { table: 'destination_snapshots', options: ['fillfactor=50'] },
    { table: 'sites', options: ['fillfactor=50'] },
  ]);
});

it('records a success with HOT updates of the site and the snapshot', async () => {
  const counts = await withTenant(database.db, { orgId: ORG }, async (tx) => {
    const recorded = await recordAcceptedDeliveries(tx, [
      { id: DELIVERIES[0]!, attempts: 1, responseCode: 200, latencyMs: 3 },
    ]);
    expect(recorded.map((row) => row.id)).toEqual([DELIVERIES[0]]);
    // This transaction's own counters: updates of each table, and how many of them were HOT.
    const [row] = await rowsOf<Record<string, number>>(
      tx,
      `SELECT pg_stat_get_xact_tuples_updated('sites'::regclass)::int AS sites,
              pg_stat_get_xact_tuples_hot_updated('sites'::regclass)::int AS sites_hot,
              pg_stat_get_xact_tuples_updated('destination_snapshots'::regclass)::int AS snapshots,
              pg_stat_get_xact_tuples_hot_updated('destination_snapshots'::regclass)::int AS snapshots_hot`,
    );
    return row;
  });
  expect(counts).toEqual({ sites: 1, sites_hot: 1, snapshots: 1, snapshots_hot: 1 });
  expect(await snapshots()).toEqual([
    { site_id: SITES[0], version: 2, job_id: JOBS[0] },
    { site_id: SITES[1], version: 1, job_id: null },
  ]);
});

it('clears a deleted job from the snapshots it delivered, and only from those', async () => {
  await withTenant(database.db, { orgId: ORG }, (tx) =>
    recordAcceptedDeliveries(tx, [{ id: DELIVERIES[1]!, attempts: 1, responseCode: 200, latencyMs: 3 }]),
  );
  expect((await snapshots()).map((row) => row.job_id)).toEqual(JOBS);

  // As the application's role, under the tenant (RLS applies to the trigger's update too).
  await withTenant(database.db, { orgId: ORG }, (tx) =>
    rowsOf(tx, `DELETE FROM sync_jobs WHERE id = '${JOBS[0]}'`),
  );
  expect(await snapshots()).toEqual([
    { site_id: SITES[0], version: 2, job_id: null },
    { site_id: SITES[1], version: 2, job_id: JOBS[1] },
  ]);
  // The job's deliveries went with it (their key to sync_jobs cascades).
  const left = await rowsOf<{ id: string }>(
    database.db,
    `SELECT id FROM deliveries WHERE organization_id = '${ORG}'`,
  );
  expect(left.map((row) => row.id)).toEqual([DELIVERIES[1]]);
});

it('deletes the snapshots with their organization', async () => {
  await database.exec(`DELETE FROM organizations WHERE id = '${ORG}'`);
  expect(await snapshots()).toEqual([]);
});
