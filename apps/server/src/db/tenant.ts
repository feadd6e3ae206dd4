import { sql } from 'drizzle-orm';
import type { AppDb, Tx } from './types.js';

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

/**
 * Runs `work` in one transaction as the app role with the scope set transaction-locally, so RLS applies even when
 * the connection role is a superuser, and nothing outlives the transaction on a pooled connection.
 * Inside `work` use only `tx`: on PGlite a query on the outer handle would wait for this transaction forever.
 */
export function withTenant<T>(db: AppDb, scope: TenantScope, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT
      set_config('role', ${APP_ROLE}, true),
      set_config('app.org_id', ${scope.orgId ?? ''}, true),
      set_config('app.user_id', ${scope.userId ?? ''}, true),
      set_config('app.api_key_hash', ${scope.apiKeyHash ?? ''}, true),
      set_config('app.invitation_token_hash', ${scope.invitationTokenHash ?? ''}, true)`);
    return work(tx);
  });
}
