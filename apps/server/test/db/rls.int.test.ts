import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACROSS_TENANTS_REFUSED,
  acrossTenants,
  APP_ROLE,
  withTenant,
  type TenantScope,
} from '../../src/db/tenant.js';
import type { AppDb, Database } from '../../src/db/types.js';
import { databaseError, rowsOf } from '../support/sql.js';
import { openTestDatabase } from '../support/test-database.js';
import {
  INVITE_HASH_B,
  KEY_HASH_B,
  ORG_A,
  ORG_B,
  ROWS_PER_TENANT,
  seedTwoTenants,
  TENANT_TABLES,
  USER_A,
  USER_AB,
  USER_B,
} from './tenant-fixture.js';

let database: Database;

beforeAll(async () => {
  database = await openTestDatabase();
  await seedTwoTenants(database);
});
afterAll(() => database?.close());

function query<T = Record<string, unknown>>(scope: TenantScope, text: string): Promise<T[]> {
  return withTenant(database.db, scope, (tx) => rowsOf<T>(tx, text));
}

/** Runs `text` as the app role and rolls back, so a write that RLS lets through cannot affect later tests. */
async function inRolledBackTransaction<T>(scope: TenantScope, text: string): Promise<T[]> {
  const rollback = new Error('rollback');
  let rows: T[] = [];
  await withTenant(database.db, scope, async (tx) => {
    rows = await rowsOf<T>(tx, text);
    throw rollback;
  }).catch((error) => {
    if (error !== rollback) throw error;
  });
  return rows;
}

describe('row-level security catalogue', () => {
  it('enables and forces RLS, with a tenant policy, on every table that has an organization_id', async () => {
    const tables = await rowsOf<{ table: string; enabled: boolean; forced: boolean; policies: number }>(
      database.db,
      `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              (SELECT count(*)::int FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'tenant_isolation') AS policies
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'
          AND (c.relname = 'organizations' OR EXISTS (
            SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped))
        ORDER BY 1`,
    );
    expect(tables.map((t) => t.table).sort()).toEqual([...TENANT_TABLES, 'organizations'].sort());
    for (const table of tables) {
      expect(table, table.table).toMatchObject({ enabled: true, forced: true, policies: 1 });
    }
  });

  it('runs requests as a role that cannot bypass RLS', async () => {
    const [role] = await rowsOf<{ rolsuper: boolean; rolbypassrls: boolean }>(
      database.db,
      `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = '${APP_ROLE}'`,
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
    const [current] = await query<{ current_user: string }>({ orgId: ORG_A }, 'SELECT current_user');
    expect(current?.current_user).toBe(APP_ROLE);
  });

  it('gives the app role no access to sessions, accounts or verifications', async () => {
    for (const table of ['sessions', 'accounts', 'verifications']) {
      expect(await databaseError(query({ orgId: ORG_A }, `SELECT count(*) FROM ${table}`)), table).toMatch(
        /permission denied/,
      );
    }
  });
});

describe.each(TENANT_TABLES)('tenant isolation of %s', (table) => {
  it('shows organization A only its own rows, with no WHERE clause', async () => {
    const rows = await query<{ organization_id: string }>(
      { orgId: ORG_A },
      `SELECT organization_id FROM ${table}`,
    );
    expect(rows.map((r) => r.organization_id)).toEqual(Array(ROWS_PER_TENANT[table]).fill(ORG_A));
  });

  it('shows nothing when no organization is set', async () => {
    const [row] = await query<{ n: number }>({ orgId: null }, `SELECT count(*)::int AS n FROM ${table}`);
    expect(row?.n).toBe(0);
  });

  it("lets A neither update nor delete B's rows", async () => {
    const [updated] = await inRolledBackTransaction<{ n: number }>(
      { orgId: ORG_A },
      `WITH u AS (UPDATE ${table} SET organization_id = organization_id WHERE organization_id = '${ORG_B}' RETURNING 1)
       SELECT count(*)::int AS n FROM u`,
    );
    expect(updated?.n).toBe(0);
    const [deleted] = await inRolledBackTransaction<{ n: number }>(
      { orgId: ORG_A },
      `WITH d AS (DELETE FROM ${table} WHERE organization_id = '${ORG_B}' RETURNING 1) SELECT count(*)::int AS n FROM d`,
    );
    expect(deleted?.n).toBe(0);
    const [stillThere] = await rowsOf<{ n: number }>(
      database.db,
      `SELECT count(*)::int AS n FROM ${table} WHERE organization_id = '${ORG_B}'`,
    );
    expect(stillThere?.n).toBe(ROWS_PER_TENANT[table]);
  });

  it('refuses to move a row of A into B', async () => {
    // Composite foreign keys may refuse first on tables that have them; either way the row never crosses.
    expect(
      await databaseError(
        inRolledBackTransaction({ orgId: ORG_A }, `UPDATE ${table} SET organization_id = '${ORG_B}'`),
      ),
    ).toMatch(/row-level security|foreign key/);
  });
});

describe('the narrow cross-tenant policies', () => {
  it('refuses an insert into another organization', async () => {
    expect(
      await databaseError(
        inRolledBackTransaction(
          { orgId: ORG_A },
          `INSERT INTO content_types (organization_id, name, slug, schema) VALUES ('${ORG_B}', 'x', 'x', '{}')`,
        ),
      ),
    ).toMatch(/row-level security/);
  });

  it('organizations: A sees itself only; a user without an org set sees the orgs they belong to', async () => {
    const asA = await query<{ id: string }>({ orgId: ORG_A }, 'SELECT id FROM organizations');
    expect(asA.map((r) => r.id)).toEqual([ORG_A]);
    const asUserB = await query<{ id: string }>(
      { orgId: null, userId: USER_B },
      'SELECT id FROM organizations',
    );
    expect(asUserB.map((r) => r.id)).toEqual([ORG_B]);
  });

  it('own_memberships: a user reads their own memberships and nobody else’s', async () => {
    const rows = await query<{ user_id: string }>(
      { orgId: null, userId: USER_A },
      'SELECT user_id FROM memberships',
    );
    expect(rows.map((r) => r.user_id)).toEqual([USER_A]);
  });

  it('inside a tenant transaction, a member of two organizations sees nothing of the other one', async () => {
    const scope = {
      orgId: ORG_A,
      userId: USER_AB,
      apiKeyHash: KEY_HASH_B,
      invitationTokenHash: INVITE_HASH_B,
    };
    const memberships = await query<{ organization_id: string }>(
      scope,
      'SELECT organization_id FROM memberships',
    );
    expect(new Set(memberships.map((r) => r.organization_id))).toEqual(new Set([ORG_A]));
    const organizations = await query<{ id: string }>(scope, 'SELECT id FROM organizations');
    expect(organizations.map((r) => r.id)).toEqual([ORG_A]);
    const keys = await query<{ organization_id: string }>(scope, 'SELECT organization_id FROM api_keys');
    expect(new Set(keys.map((r) => r.organization_id))).toEqual(new Set([ORG_A]));
    const invitations = await query<{ organization_id: string }>(
      scope,
      'SELECT organization_id FROM invitations',
    );
    expect(new Set(invitations.map((r) => r.organization_id))).toEqual(new Set([ORG_A]));
  });

  it('key_holder: the hash of a presented key reveals that key only, read-only', async () => {
    const rows = await query<{ key_hash: string }>(
      { orgId: null, apiKeyHash: KEY_HASH_B },
      'SELECT key_hash FROM api_keys',
    );
    expect(rows.map((r) => r.key_hash)).toEqual([KEY_HASH_B]);
    const [deleted] = await inRolledBackTransaction<{ n: number }>(
      { orgId: null, apiKeyHash: KEY_HASH_B },
      'WITH d AS (DELETE FROM api_keys RETURNING 1) SELECT count(*)::int AS n FROM d',
    );
    expect(deleted?.n).toBe(0);
  });

  it('token_holder: the hash of a presented invitation token reveals that invitation only', async () => {
    const rows = await query<{ token_hash: string }>(
      { orgId: null, invitationTokenHash: INVITE_HASH_B },
      'SELECT token_hash FROM invitations',
    );
    expect(rows.map((r) => r.token_hash)).toEqual([INVITE_HASH_B]);
  });

  it('visible_users: members of the current organization and oneself; the app role cannot write users', async () => {
    const asA = await query<{ id: string }>({ orgId: ORG_A }, 'SELECT id FROM users ORDER BY id');
    expect(asA.map((r) => r.id)).toEqual([USER_A, USER_AB].sort());
    const self = await query<{ id: string }>({ orgId: null, userId: USER_B }, 'SELECT id FROM users');
    expect(self.map((r) => r.id)).toEqual([USER_B]);
    expect(
      await databaseError(
        inRolledBackTransaction({ orgId: ORG_A }, `UPDATE users SET name = 'x' WHERE id = '${USER_A}'`),
      ),
    ).toMatch(/permission denied/);
  });

  it('visible_users: also whoever created a key of the current organization, after they left it', async () => {
    await database.exec(`UPDATE api_keys SET created_by = '${USER_B}' WHERE organization_id = '${ORG_A}'`);
    try {
      const asA = await query<{ id: string }>({ orgId: ORG_A }, 'SELECT id FROM users ORDER BY id');
      expect(asA.map((r) => r.id)).toEqual([USER_A, USER_AB, USER_B].sort());
    } finally {
      await database.exec(`UPDATE api_keys SET created_by = NULL WHERE organization_id = '${ORG_A}'`);
    }
  });

  it('leaves nothing behind on a pooled connection after the transaction', async () => {
    await query({ orgId: ORG_A, userId: USER_A }, 'SELECT 1');
    const [settings] = await rowsOf<{ org: string | null; role: string }>(
      database.db,
      "SELECT current_setting('app.org_id', true) AS org, current_user AS role",
    );
    expect(settings?.org ?? '').toBe('');
    expect(settings?.role).not.toBe(APP_ROLE);
  });
});

describe('acrossTenants', () => {
  /** The tables the retention job and the datasync_sites gauge reach, each with an across_tenants policy. */
  const ACROSS_TENANT_TABLES = [
    'alert_sends',
    'alerts',
    'deliveries',
    'destination_snapshots',
    'job_logs',
    'payloads',
    'sites',
    'sync_jobs',
  ];

  it('reads every organization as the connection role', async () => {
    const count = `SELECT count(DISTINCT organization_id)::int AS n FROM sync_jobs`;
    expect(await acrossTenants(database.db, (tx) => rowsOf(tx, count))).toEqual([{ n: 2 }]);
  });

  it('gives the across_tenants policies to the role that ran the migrations, of which the app role is no member', async () => {
    const [{ owner } = { owner: '' }] = await rowsOf<{ owner: string }>(
      database.db,
      `SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'sync_jobs'`,
    );
    const policies = await rowsOf<{ table: string; roles: string; command: string }>(
      database.db,
      `SELECT tablename AS table, array_to_string(roles, ',') AS roles, cmd AS command
         FROM pg_policies WHERE policyname = 'across_tenants' ORDER BY tablename`,
    );
    expect(policies).toEqual(
      ACROSS_TENANT_TABLES.map((table) => ({
        table,
        roles: owner,
        command: table === 'sites' ? 'SELECT' : 'ALL',
      })),
    );
    const [membership] = await rowsOf<{ member: boolean }>(
      database.db,
      `SELECT pg_has_role('${APP_ROLE}', '${owner}', 'USAGE') AS member`,
    );
    expect(membership).toEqual({ member: false });
  });

  it.each(ACROSS_TENANT_TABLES)(
    '%s: a tenant transaction that sets app.across_tenants still sees its own organization only',
    async (table) => {
      const organizations = (orgId: string | null) =>
        withTenant(database.db, { orgId }, async (tx) => {
          await tx.execute(`SELECT set_config('app.across_tenants', 'on', true)`);
          return rowsOf<{ organization_id: string }>(tx, `SELECT DISTINCT organization_id FROM ${table}`);
        });
      expect(await organizations(ORG_A)).toEqual([{ organization_id: ORG_A }]);
      expect(await organizations(null)).toEqual([]);
    },
  );

  it('refuses a connection role that the policies do not name, instead of seeing nothing', async () => {
    // The app role stands for such a role: a member of datasync_app only, neither superuser nor BYPASSRLS.
    const refused = database.db.transaction(async (tx) => {
      await tx.execute(`SET LOCAL ROLE ${APP_ROLE}`);
      return acrossTenants(tx as unknown as AppDb, (inner) =>
        rowsOf(inner, `SELECT count(*)::int AS n FROM sync_jobs`),
      );
    });
    await expect(refused).rejects.toThrow(ACROSS_TENANTS_REFUSED);
  });

  it('leaves app.across_tenants unset on the connection afterwards', async () => {
    await acrossTenants(database.db, (tx) => rowsOf(tx, 'SELECT 1'));
    const [setting] = await rowsOf<{ value: string | null }>(
      database.db,
      `SELECT current_setting('app.across_tenants', true) AS value`,
    );
    expect(setting?.value ?? '').toBe('');
  });
});
