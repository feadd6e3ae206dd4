import type { Invitation, Role } from '@datasync/contracts';
import type { AppDb } from '../db/types.js';
import { withTenant } from '../db/tenant.js';
import { recordAudit } from '../audit/audit.repo.js';
import { generateInvitationToken, hashToken } from '../crypto/bearer-tokens.js';
import { scopeOf, type Principal, type SessionUser } from '../access/principal.js';
import { conflict, forbidden, notFound } from '../http/problem.js';
import { insertMembership, listMembers } from '../access/memberships.repo.js';
import {
  findByTokenHash,
  insertInvitation,
  listInvitations,
  markAccepted,
  revokeInvitation,
  revokePendingFor,
  type InvitationRow,
} from './invitations.repo.js';
import { assertMayGrant } from './role-rules.js';

const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function toInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    // Expiry is checked on accept; showing it spares admins from wondering why a pending invitation fails.
    status: row.status === 'pending' && Date.parse(row.expiresAt) < Date.now() ? 'expired' : row.status,
    expires_at: row.expiresAt,
    created_at: row.createdAt,
  };
}

export async function getInvitations(db: AppDb, principal: Principal): Promise<Invitation[]> {
  return (await withTenant(db, scopeOf(principal), listInvitations)).map(toInvitation);
}

/** Creates an invitation; the token in the answer is the only copy (we keep its hash). */
export function invite(
  db: AppDb,
  principal: Principal,
  input: { email: string; role: Role },
): Promise<Invitation & { token: string }> {
  assertMayGrant(principal.role, input.role);
  return withTenant(db, scopeOf(principal), async (tx) => {
    const email = input.email.toLowerCase();
    const members = await listMembers(tx);
    if (members.some((m) => m.email.toLowerCase() === email)) {
      throw conflict('This person is already a member.', [
        { in: 'body', pointer: '/email', message: 'is already a member' },
      ]);
    }
    await revokePendingFor(tx, email);
    const { token, hash } = generateInvitationToken();
    const row = await insertInvitation(tx, {
      organizationId: principal.orgId,
      email,
      role: input.role,
      tokenHash: hash,
      invitedBy: principal.userId,
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS).toISOString(),
    });
    await recordAudit(tx, principal, {
      action: 'invitation.create',
      entityType: 'invitation',
      entityId: row.id,
      after: toInvitation(row),
    });
    return { ...toInvitation(row), token };
  });
}

export function cancelInvitation(db: AppDb, principal: Principal, id: string): Promise<void> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const row = await revokeInvitation(tx, id);
    if (!row) throw notFound('pending invitation');
    await recordAudit(tx, principal, {
      action: 'invitation.revoke',
      entityType: 'invitation',
      entityId: id,
      after: toInvitation(row),
    });
  });
}

/** Why a token cannot be used by an email address: no pending invitation has it, or it invites another address. */
export type InvitationRefusal = 'not-pending' | 'other-email';

/** The pending, unexpired invitation `token` belongs to, if it was sent to `email`. */
export async function findInvitationFor(
  db: AppDb,
  token: string,
  email: string,
): Promise<{ invitation: InvitationRow } | { refused: InvitationRefusal }> {
  const invitation = await findByTokenHash(db, hashToken(token));
  // One answer for unknown, used, revoked and expired tokens: a token is a secret, not something to probe.
  if (!invitation || invitation.status !== 'pending' || Date.parse(invitation.expiresAt) < Date.now()) {
    return { refused: 'not-pending' };
  }
  if (invitation.email.toLowerCase() !== email.toLowerCase()) return { refused: 'other-email' };
  return { invitation };
}

/** The signed-in user joins the organization the token invites them to, if the invitation was for their email. */
export async function acceptInvitation(
  db: AppDb,
  user: Pick<SessionUser, 'id' | 'email'>,
  token: string,
): Promise<{ organization_id: string; role: Role }> {
  const found = await findInvitationFor(db, token, user.email);
  if ('refused' in found) {
    throw found.refused === 'other-email'
      ? forbidden('This invitation was sent to another email address.')
      : notFound('pending invitation for this token');
  }
  const { invitation } = found;
  const orgId = invitation.organizationId;
  return withTenant(db, { orgId, userId: user.id }, async (tx) => {
    const members = await listMembers(tx);
    if (members.some((m) => m.userId === user.id))
      throw conflict('You are already a member of this organization.');
    if (!(await markAccepted(tx, invitation.id, user.id)))
      throw notFound('pending invitation for this token');
    const membership = await insertMembership(tx, {
      organizationId: orgId,
      userId: user.id,
      role: invitation.role,
    });
    const actor = { orgId, userId: user.id, apiKeyId: null };
    await recordAudit(tx, actor, {
      action: 'member.add',
      entityType: 'membership',
      entityId: membership.id,
      after: { user_id: user.id, role: invitation.role, invitation_id: invitation.id },
    });
    return { organization_id: orgId, role: invitation.role };
  });
}
