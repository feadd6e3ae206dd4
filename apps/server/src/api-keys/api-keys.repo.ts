import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Role } from '@datasync/contracts';
import { apiKeys } from '../db/schema/index.js';
import type { AppDb, Tx } from '../db/types.js';
import { withTenant } from '../db/tenant.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

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
export function touchLastUsed(db: AppDb, key: Pick<ApiKeyRow, 'id' | 'organizationId'>): Promise<void> {
  return withTenant(db, { orgId: key.organizationId }, async (tx) => {
    const now = new Date();
    const aMinuteAgo = new Date(now.getTime() - 60_000).toISOString();
    await tx
      .update(apiKeys)
      .set({ lastUsedAt: now.toISOString() })
      .where(and(eq(apiKeys.id, key.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, aMinuteAgo))));
  });
}

export function listKeys(tx: Tx): Promise<ApiKeyRow[]> {
  return tx.select().from(apiKeys).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

export async function insertKey(
  tx: Tx,
  values: {
    organizationId: string;
    name: string;
    role: Role;
    prefix: string;
    keyHash: string;
    createdBy: string | null;
  },
): Promise<ApiKeyRow> {
  const [row] = await tx.insert(apiKeys).values(values).returning();
  return row!;
}

export async function findKey(tx: Tx, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id));
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
