import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import {
  historyCounts,
  insertAlert,
  insertAlertSend,
  insertDelivery,
  insertJob,
  insertLogLines,
  insertPayload,
  insertSite,
  insertSnapshot,
  hashOf,
} from '../../test/support/history.js';
import { rowsOf } from '../../test/support/sql.js';
import { testDatabaseKind } from '../../test/support/test-database.js';
import { openPostgres } from '../db/postgres.js';
import { ACROSS_TENANTS_REFUSED, APP_ROLE } from '../db/tenant.js';
import type { Database } from '../db/types.js';
import { countSitesByHealth } from '../metrics/site-health.repo.js';
import { pruneOnce } from './retention.service.js';

// The usual production set-up: DATABASE_URL's role is neither superuser nor BYPASSRLS, owns the tables because it
// ran the migrations, and row-level security is forced on them. The prune and the sites gauge must still reach
// every organization (migration 0014), while that role outside them sees no tenant's rows.

const OLD = 40;
const RECENT = 1;
const DAYS = 30;

const serverUrl = process.env.TEST_DATABASE_URL ?? '';
const suffix = randomBytes(4).toString('hex');
const role = `datasync_owner_${suffix}`;

function urlOf(database: string, user?: string, sessionRole?: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  if (user) {
    url.username = user;
    url.password = '';
  }
  if (sessionRole) url.searchParams.set('options', `-c role=${sessionRole}`);
  return url.toString();
}

async function asServerAdmin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** An organization with three sites (healthy, failing, disabled) and history on both sides of the window. */
async function seedOrganization(admin: Database, label: string): Promise<string> {
  const { rows } = await admin.executeSql(
    `INSERT INTO organizations (name, slug) VALUES ($1, $1) RETURNING id`,
    [label],
  );
  const orgId = (rows[0] as { id: string }).id;
  const [healthy, failing, disabled] = [
    await insertSite(admin, orgId, 'healthy'),
    await insertSite(admin, orgId, 'failing'),
    await insertSite(admin, orgId, 'disabled'),
  ];
  await admin.executeSql(`UPDATE sites SET failing_since = now() WHERE id = $1`, [failing]);
  await admin.executeSql(`UPDATE sites SET enabled = false WHERE id = $1`, [disabled]);

  const [sent, accepted] = [hashOf(`${label}/sent`), hashOf(`${label}/accepted`)];
  await insertPayload(admin, orgId, sent, OLD);
  await insertPayload(admin, orgId, accepted, OLD);
  const oldJob = await insertJob(admin, orgId, 'failed', OLD);
  await insertLogLines(admin, orgId, oldJob, 2, OLD);
  await insertDelivery(admin, {
    orgId,
    jobId: oldJob,
    siteId: failing,
    status: 'failed',
    ageDays: OLD,
    payloadHash: sent,
  });
  await insertSnapshot(admin, { orgId, siteId: healthy, jobId: oldJob, payloadHash: accepted });
  const recentJob = await insertJob(admin, orgId, 'success', RECENT);
  await insertLogLines(admin, orgId, recentJob, 1, RECENT);
  await insertDelivery(admin, {
    orgId,
    jobId: recentJob,
    siteId: healthy,
    status: 'success',
    ageDays: RECENT,
  });

  const finished = await insertAlert(admin, orgId, OLD, oldJob);
  await insertAlertSend(admin, { orgId, alertId: finished, status: 'success', ageDays: OLD });
  const pending = await insertAlert(admin, orgId, OLD);
  await insertAlertSend(admin, { orgId, alertId: pending, status: 'pending', ageDays: OLD });
  return orgId;
}

describe.skipIf(testDatabaseKind() === 'pglite')(
  'retention and the sites gauge as an owner role without BYPASSRLS (PGlite has one role, a superuser)',
  () => {
    const databaseName = `${testDatabaseKind() === 'postgres' ? inject('postgresRunPrefix') : ''}owner_${suffix}`;
    let owner: Database;
    let admin: Database;

    beforeAll(async () => {
      // Roles are cluster-wide: a name of this file's own, created only if missing. CREATEROLE is what migration
      // 0000 needs (apps/server/README.md); nothing else.
      await asServerAdmin(`DO $$ BEGIN
          CREATE ROLE "${role}" LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object THEN NULL;
        END $$`);
      await asServerAdmin(`CREATE DATABASE "${databaseName}" OWNER "${role}"`);
      // One connection: what one transaction sets is still on it for the next, unless it was transaction-local.
      owner = await openPostgres(urlOf(databaseName, role), 1);
      await owner.migrate();
      // The seed goes in as the server's superuser, which row-level security does not limit.
      admin = await openPostgres(urlOf(databaseName), 2);
      await seedOrganization(admin, 'owner-a');
      await seedOrganization(admin, 'owner-b');
    });
    afterAll(async () => {
      await owner?.close();
      await admin?.close();
      await asServerAdmin(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
      await asServerAdmin(`DROP ROLE IF EXISTS "${role}"`);
    });

    it('connects as a role that owns the tables, is no superuser, cannot bypass RLS, and sees no tenant rows of itself', async () => {
      expect(
        await rowsOf(
          owner.db,
          `SELECT current_user AS name, rolsuper, rolbypassrls,
                  (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'sync_jobs') AS owner,
                  (SELECT count(*)::int FROM sync_jobs) AS jobs, (SELECT count(*)::int FROM sites) AS sites
             FROM pg_roles WHERE rolname = current_user`,
        ),
      ).toEqual([{ name: role, rolsuper: false, rolbypassrls: false, owner: role, jobs: 0, sites: 0 }]);
    });

    it('counts the sites of both organizations by health', async () => {
      expect(await countSitesByHealth(owner.db)).toEqual({ healthy: 2, failing: 2, disabled: 2 });
    });

    it('prunes what is older than the window in both organizations, and the setting ends with each transaction', async () => {
      expect(await historyCounts(admin)).toEqual({
        sync_jobs: 4,
        job_logs: 6,
        deliveries: 4,
        payloads: 4,
        destination_snapshots: 2,
        alerts: 4,
        alert_sends: 4,
      });
      const result = await pruneOnce(
        { db: owner.db, log: { info: () => {} } },
        { retentionDays: DAYS, batchSize: 2, pauseRatio: 0 },
      );
      expect(result).toMatchObject({
        complete: true,
        rows: { job_logs: 4, deliveries: 2, sync_jobs: 2, alert_sends: 2, alerts: 2, payloads: 2 },
      });
      expect(await historyCounts(admin)).toEqual({
        sync_jobs: 2,
        job_logs: 2,
        deliveries: 2,
        payloads: 2,
        destination_snapshots: 2,
        alerts: 2,
        alert_sends: 2,
      });
      // The snapshots keep their payload and name no job any more (migration 0008's trigger, run by the prune).
      expect(
        await rowsOf(
          admin.db,
          `SELECT count(*)::int AS n FROM destination_snapshots AS s JOIN payloads AS p
              ON p.organization_id = s.organization_id AND p.hash = s.payload_hash
            WHERE s.job_id IS NULL`,
        ),
      ).toEqual([{ n: 2 }]);
      expect(
        await rowsOf(
          owner.db,
          `SELECT current_setting('app.across_tenants', true) AS setting,
                  (SELECT count(*)::int FROM sync_jobs) AS jobs`,
        ),
      ).toEqual([{ setting: '', jobs: 0 }]);
    });

    it('fails, rather than counting nothing, for a connection role the policies do not name', async () => {
      // The owner's session switched to the app role stands for such a role: neither superuser nor BYPASSRLS.
      const limited = await openPostgres(urlOf(databaseName, role, APP_ROLE), 1);
      try {
        await expect(countSitesByHealth(limited.db)).rejects.toThrow(ACROSS_TENANTS_REFUSED);
      } finally {
        await limited.close();
      }
    });
  },
);
