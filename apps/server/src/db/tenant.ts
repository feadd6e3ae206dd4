import { sql } from 'drizzle-orm';
import { rowsOf } from './rows-of.js';
import { uuidLiteral } from './sql-literals.js';
import type { AppDb, Database, Tx } from './types.js';

/** The role that row-level security policies apply to (created by the first migration). */
export const APP_ROLE = 'datasync_app';

/**
 * What a transaction may see. `orgId` selects the tenant; the other fields open the narrow cross-tenant look-ups
 * the policies allow (a user's own memberships, the row of a presented API key or invitation token).
 */
export interface TenantScope {
  orgId: string | null;
  userId?: string | null;
  apiKeyHash?: string | null;
  invitationTokenHash?: string | null;
}

/** The transaction-local settings of a scope, with `''` for what it leaves unset: what both functions below set. */
function scopeSettings(scope: TenantScope): [name: string, value: string][] {
  return [
    ['role', APP_ROLE],
    ['app.org_id', scope.orgId ?? ''],
    ['app.user_id', scope.userId ?? ''],
    ['app.api_key_hash', scope.apiKeyHash ?? ''],
    ['app.invitation_token_hash', scope.invitationTokenHash ?? ''],
  ];
}

/**
 * Runs `work` in one transaction as the app role with the scope set transaction-locally, so RLS applies even when
 * the connection role is a superuser, and nothing outlives the transaction on a pooled connection.
 * Inside `work` use only `tx`: on PGlite a query on the outer handle would wait for this transaction forever.
 */
export function withTenant<T>(db: AppDb, scope: TenantScope, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const settings = scopeSettings(scope).map(
      ([name, value]) => sql`set_config(${sql.raw(`'${name}'`)}, ${value}, true)`,
    );
    await tx.execute(sql`SELECT ${sql.join(settings, sql`, `)}`);
    return work(tx);
  });
}

/**
 * Whether the connection role may read across tenants: a superuser or a BYPASSRLS role is not limited by the
 * policies at all; any other role must be (a member of) the role named by the `across_tenants` policies of
 * migration 0014, the role that ran the migrations.
 */
const MAY_CROSS_TENANTS = sql`EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolbypassrls))
  OR EXISTS (SELECT 1 FROM pg_policy AS p CROSS JOIN unnest(p.polroles) AS r (id)
              WHERE p.polrelid = 'sync_jobs'::regclass AND p.polname = 'across_tenants'
                AND r.id <> 0 AND pg_has_role(current_user, r.id, 'USAGE'))`;

/** Why acrossTenants refused to run: the connection role would see no organization's rows. */
export const ACROSS_TENANTS_REFUSED =
  'The database role of DATABASE_URL cannot read across organizations: it must be the role that ran the ' +
  'migrations (or a member of it), a superuser, or a role with BYPASSRLS (docs/operations.md, "Connection role").';

/**
 * Runs `work` in one transaction as the connection role, over the rows of every organization: operational work
 * (retention, aggregate metrics) that no tenant owns. It sets `app.across_tenants` transaction-locally, which the
 * `across_tenants` policies (migration 0014) grant the role that ran the migrations, and that role only: the app
 * role, which every tenant transaction switches to, is not a member of it, so the setting widens nothing there.
 * No superuser or BYPASSRLS is needed. A connection role the policies do not name fails with an error here, where
 * it would otherwise see, count and delete nothing without a word.
 */
export function acrossTenants<T>(db: AppDb, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const [row] = await rowsOf<{ allowed: boolean }>(
      tx,
      sql`SELECT set_config('app.across_tenants', 'on', true) = 'on' AND (${MAY_CROSS_TENANTS}) AS allowed`,
    );
    if (!row?.allowed) throw new Error(ACROSS_TENANTS_REFUSED);
    return work(tx);
  });
}

/**
 * withTenant for one read in organization `orgId`, in one round trip where withTenant takes four (BEGIN, scope,
 * query, COMMIT): the scope statement and `select` go to the server as one message. It runs a message's statements
 * in one implicit transaction, so the scope (set with `true`, transaction-locally) applies to `select` and ends
 * with it, as withTenant's does. Such a message cannot carry parameters: `select` is SQL text whose values were
 * inlined with sql-literals.ts. Rows come back as the driver parses them, with the column names of the SQL.
 */
export async function selectAsTenant(
  database: Pick<Database, 'executeSql'>,
  orgId: string,
  select: string,
): Promise<Record<string, unknown>[]> {
  // Inlined: the role's name, the organization's id (a checked UUID) and empty strings, nothing else.
  const literal = (value: string) => (value === '' || value === APP_ROLE ? `'${value}'` : uuidLiteral(value));
  const settings = scopeSettings({ orgId }).map(
    ([name, value]) => `set_config('${name}', ${literal(value)}, true)`,
  );
  const { rows } = await database.executeSql(`SELECT ${settings.join(', ')};\n${select}`);
  return rows as Record<string, unknown>[];
}
