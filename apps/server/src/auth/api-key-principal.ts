import { lesserRole } from '@datasync/contracts';
import { findActiveKeyByHash, touchLastUsed } from '../api-keys/api-keys.repo.js';
import { withTenant } from '../db/tenant.js';
import type { AppDb } from '../db/types.js';
import { findRoleOfUser } from '../access/memberships.repo.js';
import { hashToken } from '../crypto/bearer-tokens.js';
import type { Principal } from '../access/principal.js';

/**
 * Whom a presented key authenticates as: its organization, with the lesser of the key's role and its creator's
 * role there now, so lowering a member caps their keys from their next request on. Null for an unknown or
 * revoked key, and for one whose creator is not a member any more (or whose account is gone).
 */
export async function principalOfApiKey(db: AppDb, token: string): Promise<Principal | null> {
  const key = await findActiveKeyByHash(db, hashToken(token));
  const creatorId = key?.createdBy;
  if (!key || !creatorId) return null;
  const creatorRole = await withTenant(db, { orgId: key.organizationId }, async (tx) => {
    const role = await findRoleOfUser(tx, creatorId);
    if (role) await touchLastUsed(tx, key.id);
    return role;
  });
  if (!creatorRole) return null;
  return {
    kind: 'api_key',
    orgId: key.organizationId,
    role: lesserRole(key.role, creatorRole),
    userId: null,
    apiKeyId: key.id,
    actingFor: creatorId,
  };
}
