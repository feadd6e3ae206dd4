import type { ApiKey, Role } from '@datasync/contracts';
import type { AppDb } from '../db/types.js';
import { withTenant } from '../db/tenant.js';
import { recordAudit } from '../audit/audit.repo.js';
import { generateApiKey } from '../auth/api-key-token.js';
import { scopeOf, type Principal } from '../auth/principal.js';
import { notFound } from '../http/problem.js';
import { assertMayGrant } from '../organizations/role-rules.js';
import { insertKey, listKeys, revokeKey, type ApiKeyRow } from './api-keys.repo.js';

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    created_at: row.createdAt,
    last_used_at: row.lastUsedAt,
    revoked_at: row.revokedAt,
  };
}

export async function getApiKeys(db: AppDb, principal: Principal): Promise<ApiKey[]> {
  return (await withTenant(db, scopeOf(principal), listKeys)).map(toApiKey);
}

/** The key itself is in this answer only; we store its hash. */
export function createApiKey(
  db: AppDb,
  principal: Principal,
  input: { name: string; role: Role },
): Promise<ApiKey & { key: string }> {
  assertMayGrant(principal.role, input.role);
  return withTenant(db, scopeOf(principal), async (tx) => {
    const { key, hash, prefix } = generateApiKey();
    const row = await insertKey(tx, {
      organizationId: principal.orgId,
      name: input.name,
      role: input.role,
      prefix,
      keyHash: hash,
      createdBy: principal.userId,
    });
    await recordAudit(tx, principal, {
      action: 'api_key.create',
      entityType: 'api_key',
      entityId: row.id,
      after: toApiKey(row),
    });
    return { ...toApiKey(row), key };
  });
}

export function revokeApiKey(db: AppDb, principal: Principal, id: string): Promise<void> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const row = await revokeKey(tx, id);
    if (!row) throw notFound('active API key');
    await recordAudit(tx, principal, {
      action: 'api_key.revoke',
      entityType: 'api_key',
      entityId: id,
      after: toApiKey(row),
    });
  });
}
