import type { Member, Role } from '@datasync/contracts';
import type { AppDb, Tx } from '../db/types.js';
import { withTenant } from '../db/tenant.js';
import { recordAudit } from '../audit/audit.repo.js';
import { revokeKeysOfLeaver } from '../api-keys/api-keys.service.js';
import { scopeOf, type Principal } from '../access/principal.js';
import { conflict, notFound } from '../http/problem.js';
import {
  countOwners,
  deleteMembership,
  findMember,
  listMembers,
  updateMemberRole,
  type MemberRow,
} from '../access/memberships.repo.js';
import { assertMayGrant, assertMayManage } from './role-rules.js';

export function toMember(row: MemberRow): Member {
  return {
    id: row.id,
    user_id: row.userId,
    email: row.email,
    name: row.name,
    role: row.role,
    created_at: row.createdAt,
  };
}

export async function getMembers(db: AppDb, principal: Principal): Promise<Member[]> {
  return (await withTenant(db, scopeOf(principal), listMembers)).map(toMember);
}

async function assertKeepsAnOwner(tx: Tx, target: MemberRow): Promise<void> {
  if (target.role === 'owner' && (await countOwners(tx)) <= 1) {
    throw conflict('An organization must keep at least one owner.');
  }
}

export function changeMemberRole(
  db: AppDb,
  principal: Principal,
  memberId: string,
  role: Role,
): Promise<Member> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const target = await findMember(tx, memberId);
    if (!target) throw notFound('member');
    assertMayManage(principal.role, target.role);
    assertMayGrant(principal.role, role);
    if (role !== 'owner') await assertKeepsAnOwner(tx, target);
    await updateMemberRole(tx, memberId, role);
    const after = { ...target, role };
    await recordAudit(tx, principal, {
      action: 'member.update',
      entityType: 'membership',
      entityId: memberId,
      before: toMember(target),
      after: toMember(after),
    });
    return toMember(after);
  });
}

/**
 * A member's API keys act for them, so leaving revokes them in the same transaction. A lowered role needs no such
 * write: a key acts with the lesser of its role and its creator's current one (auth/api-key-principal.ts).
 */
export function removeMember(db: AppDb, principal: Principal, memberId: string): Promise<void> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const target = await findMember(tx, memberId);
    if (!target) throw notFound('member');
    assertMayManage(principal.role, target.role);
    await assertKeepsAnOwner(tx, target);
    await deleteMembership(tx, memberId);
    await revokeKeysOfLeaver(tx, principal, { id: target.userId, name: target.name, email: target.email });
    await recordAudit(tx, principal, {
      action: 'member.remove',
      entityType: 'membership',
      entityId: memberId,
      before: toMember(target),
    });
  });
}
