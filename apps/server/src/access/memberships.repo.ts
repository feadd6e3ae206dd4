import { and, asc, eq } from 'drizzle-orm';
import type { Role } from '@datasync/contracts';
import { memberships, organizations, users } from '../db/schema/index.js';
import type { AppDb, Tx } from '../db/types.js';
import { withTenant } from '../db/tenant.js';

export interface UserMembership {
  orgId: string;
  orgName: string;
  role: Role;
}

/** Every organization a user belongs to, oldest first (the RLS policy own_memberships allows this look-up). */
export function listUserMemberships(db: AppDb, userId: string): Promise<UserMembership[]> {
  return withTenant(db, { orgId: null, userId }, (tx) =>
    tx
      .select({ orgId: memberships.organizationId, orgName: organizations.name, role: memberships.role })
      .from(memberships)
      .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
      .where(eq(memberships.userId, userId))
      .orderBy(asc(memberships.createdAt), asc(memberships.organizationId)),
  );
}

const memberColumns = {
  id: memberships.id,
  userId: memberships.userId,
  role: memberships.role,
  createdAt: memberships.createdAt,
  email: users.email,
  name: users.name,
};

export type MemberRow = {
  id: string;
  userId: string;
  role: Role;
  createdAt: string;
  email: string;
  name: string;
};

export function listMembers(tx: Tx): Promise<MemberRow[]> {
  return tx
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .orderBy(asc(memberships.createdAt), asc(memberships.id));
}

export async function findMember(tx: Tx, id: string): Promise<MemberRow | undefined> {
  const [row] = await tx
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.id, id));
  return row;
}

/** `userId`'s role in the current organization; undefined when they are not (or no longer) a member. */
export async function findRoleOfUser(tx: Tx, userId: string): Promise<Role | undefined> {
  const [row] = await tx
    .select({ role: memberships.role })
    .from(memberships)
    .where(eq(memberships.userId, userId));
  return row?.role;
}

export async function countOwners(tx: Tx): Promise<number> {
  const rows = await tx.select({ id: memberships.id }).from(memberships).where(eq(memberships.role, 'owner'));
  return rows.length;
}

export async function insertMembership(
  tx: Tx,
  values: { organizationId: string; userId: string; role: Role },
): Promise<{ id: string }> {
  const [row] = await tx.insert(memberships).values(values).returning({ id: memberships.id });
  return row!;
}

export async function updateMemberRole(tx: Tx, id: string, role: Role): Promise<void> {
  await tx
    .update(memberships)
    .set({ role, updatedAt: new Date().toISOString() })
    .where(and(eq(memberships.id, id)));
}

export async function deleteMembership(tx: Tx, id: string): Promise<void> {
  await tx.delete(memberships).where(eq(memberships.id, id));
}
