import { and, desc, eq, getTableColumns, isNull, lt, or } from 'drizzle-orm';
import type { Role } from '@datasync/contracts';
import { apiKeys, users } from '../db/schema/index.js';
import type { AppDb, Tx } from '../db/types.js';
import { withTenant } from '../db/tenant.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** A key with its creator's name and email (null when the creator's account is gone). */
export type ListedKeyRow = ApiKeyRow & { creatorName: string | null; creatorEmail: string | null };

const listedKeyColumns = {
  ...getTableColumns(apiKeys),
  creatorName: users.name,
  creatorEmail: users.email,
};

/** The unrevoked key with this hash, from any organization (the RLS policy key_holder allows exactly this). */
export async function findActiveKeyByHash(db: AppDb, keyHash: string): Promise<ApiKeyRow | undefined> {
  const [row] = await withTenant(db, { orgId: null, apiKeyHash: keyHash }, (tx) =>
    tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt))),
  );
  return row;
}

/** Records use at most once a minute per key, so authenticated reads do not each cost a write. */
export async function touchLastUsed(tx: Tx, keyId: string): Promise<void> {
  const now = new Date();
  const aMinuteAgo = new Date(now.getTime() - 60_000).toISOString();
  await tx
    .update(apiKeys)
    .set({ lastUsedAt: now.toISOString() })
    .where(and(eq(apiKeys.id, keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, aMinuteAgo))));
}

function selectListedKeys(tx: Tx) {
  return tx.select(listedKeyColumns).from(apiKeys).leftJoin(users, eq(users.id, apiKeys.createdBy));
}

export function listKeys(tx: Tx): Promise<ListedKeyRow[]> {
  return selectListedKeys(tx).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

export async function insertKey(
  tx: Tx,
  values: {
    organizationId: string;
    name: string;
    role: Role;
    prefix: string;
    keyHash: string;
    createdBy: string;
  },
): Promise<ApiKeyRow> {
  const [row] = await tx.insert(apiKeys).values(values).returning();
  return row!;
}

export async function findKey(tx: Tx, id: string): Promise<ListedKeyRow | undefined> {
  const [row] = await selectListedKeys(tx).where(eq(apiKeys.id, id));
  return row;
}

export async function revokeKey(tx: Tx, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await tx
    .update(apiKeys)
    .set({ revokedAt: new Date().toISOString() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  return row;
}

/** Revokes every active key `userId` created in the current organization (they left it). */
export function revokeKeysCreatedBy(tx: Tx, userId: string): Promise<ApiKeyRow[]> {
  return tx
    .update(apiKeys)
    .set({ revokedAt: new Date().toISOString() })
    .where(and(eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt)))
    .returning();
}
