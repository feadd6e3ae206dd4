import { and, desc, eq, sql } from 'drizzle-orm';
import type { Role } from '@datasync/contracts';
import { invitations } from '../db/schema/index.js';
import type { AppDb, Tx } from '../db/types.js';
import { withTenant } from '../db/tenant.js';

export type InvitationRow = typeof invitations.$inferSelect;

export function listInvitations(tx: Tx): Promise<InvitationRow[]> {
  return tx.select().from(invitations).orderBy(desc(invitations.createdAt), desc(invitations.id));
}

export async function insertInvitation(
  tx: Tx,
  values: {
    organizationId: string;
    email: string;
    role: Role;
    tokenHash: string;
    invitedBy: string | null;
    expiresAt: string;
  },
): Promise<InvitationRow> {
  const [row] = await tx.insert(invitations).values(values).returning();
  return row!;
}

/** Re-inviting an address replaces its pending invitation, so only the newest link works. */
export async function revokePendingFor(tx: Tx, email: string): Promise<void> {
  await tx
    .update(invitations)
    .set({ status: 'revoked' })
    .where(and(eq(sql`lower(${invitations.email})`, email.toLowerCase()), eq(invitations.status, 'pending')));
}

export async function revokeInvitation(tx: Tx, id: string): Promise<InvitationRow | undefined> {
  const [row] = await tx
    .update(invitations)
    .set({ status: 'revoked' })
    .where(and(eq(invitations.id, id), eq(invitations.status, 'pending')))
    .returning();
  return row;
}

/** The invitation a token belongs to, whatever its organization (the RLS policy token_holder allows this). */
export async function findByTokenHash(db: AppDb, tokenHash: string): Promise<InvitationRow | undefined> {
  const [row] = await withTenant(db, { orgId: null, invitationTokenHash: tokenHash }, (tx) =>
    tx.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)),
  );
  return row;
}

export async function markAccepted(tx: Tx, id: string, userId: string): Promise<boolean> {
  const rows = await tx
    .update(invitations)
    .set({ status: 'accepted', acceptedBy: userId, acceptedAt: new Date().toISOString() })
    .where(and(eq(invitations.id, id), eq(invitations.status, 'pending')))
    .returning({ id: invitations.id });
  return rows.length === 1;
}
