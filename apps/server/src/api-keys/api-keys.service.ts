import { roleAtLeast, type ApiKey, type ApiKeyCreator, type Role } from '@datasync/contracts';
import type { AppDb, Tx } from '../db/types.js';
import { withTenant } from '../db/tenant.js';
import { recordAudit } from '../audit/audit.repo.js';
import { generateApiKey } from '../crypto/bearer-tokens.js';
import { scopeOf, type Principal } from '../access/principal.js';
import { forbidden, notFound } from '../http/problem.js';
import { findRoleOfUser } from '../access/memberships.repo.js';
import { assertMayGrant } from '../organizations/role-rules.js';
import {
  findKey,
  insertKey,
  listKeys,
  revokeKey,
  revokeKeysCreatedBy,
  type ApiKeyRow,
  type ListedKeyRow,
} from './api-keys.repo.js';

export function toApiKey(row: ApiKeyRow, creator: ApiKeyCreator | null): ApiKey {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    created_by: creator,
    prefix: row.prefix,
    created_at: row.createdAt,
    last_used_at: row.lastUsedAt,
    revoked_at: row.revokedAt,
  };
}

function toListedApiKey(row: ListedKeyRow): ApiKey {
  const creator =
    row.createdBy && row.creatorName !== null && row.creatorEmail !== null
      ? { id: row.createdBy, name: row.creatorName, email: row.creatorEmail }
      : null;
  return toApiKey(row, creator);
}

export async function getApiKeys(db: AppDb, principal: Principal): Promise<ApiKey[]> {
  return (await withTenant(db, scopeOf(principal), listKeys)).map(toListedApiKey);
}

/**
 * The key itself is in this answer only; we store its hash. A key belongs to the user it is created for: the
 * signed-in user, or the creator of the key that creates it, so a key cannot outlive its owner's membership.
 */
export function createApiKey(
  db: AppDb,
  principal: Principal,
  input: { name: string; role: Role },
): Promise<ApiKey & { key: string }> {
  assertMayGrant(principal.role, input.role);
  return withTenant(db, scopeOf(principal), async (tx) => {
    const { key, hash, prefix } = generateApiKey();
    const inserted = await insertKey(tx, {
      organizationId: principal.orgId,
      name: input.name,
      role: input.role,
      prefix,
      keyHash: hash,
      createdBy: principal.actingFor,
    });
    const created = toListedApiKey((await findKey(tx, inserted.id))!);
    await recordAudit(tx, principal, {
      action: 'api_key.create',
      entityType: 'api_key',
      entityId: created.id,
      after: created,
    });
    return { ...created, key };
  });
}

/**
 * Nobody revokes more power than they hold: an admin may revoke any key but those of an owner, an owner any key.
 * A key whose creator left counts as nobody's.
 */
async function assertMayRevoke(tx: Tx, principal: Principal, key: ListedKeyRow): Promise<void> {
  const creatorRole = key.createdBy ? await findRoleOfUser(tx, key.createdBy) : undefined;
  if (creatorRole && !roleAtLeast(principal.role, creatorRole)) {
    throw forbidden(
      `Your role (${principal.role}) cannot revoke a key of a member whose role is ${creatorRole}.`,
    );
  }
}

export function revokeApiKey(db: AppDb, principal: Principal, id: string): Promise<void> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const key = await findKey(tx, id);
    if (!key || key.revokedAt) throw notFound('active API key');
    await assertMayRevoke(tx, principal, key);
    const row = await revokeKey(tx, id);
    if (!row) throw notFound('active API key');
    await recordAudit(tx, principal, {
      action: 'api_key.revoke',
      entityType: 'api_key',
      entityId: id,
      after: toListedApiKey({ ...key, revokedAt: row.revokedAt }),
    });
  });
}

/** Revokes, in the caller's transaction, the keys a member created in the organization they are leaving. */
export async function revokeKeysOfLeaver(tx: Tx, principal: Principal, leaver: ApiKeyCreator): Promise<void> {
  for (const row of await revokeKeysCreatedBy(tx, leaver.id)) {
    await recordAudit(tx, principal, {
      action: 'api_key.revoke',
      entityType: 'api_key',
      entityId: row.id,
      after: toApiKey(row, leaver),
    });
  }
}
