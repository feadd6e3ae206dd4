import type { Me } from '@datasync/contracts';
import type { AppDb } from '../db/types.js';
import { getOrganization } from './organizations.service.js';
import { organizationsOfUser } from '../access/memberships.service.js';
import type { Principal, SessionUser } from '../access/principal.js';

/**
 * The caller as GET /api/v1/me and sign-up answer: the user (null for an API key), the active organization and
 * role, and the organizations to switch between (an API key sees only its own).
 */
export async function describeCaller(
  db: AppDb,
  principal: Principal,
  user: Pick<SessionUser, 'id' | 'email' | 'name'> | null,
): Promise<Me> {
  const organization = await getOrganization(db, principal);
  return {
    user: user ? { id: user.id, email: user.email, name: user.name } : null,
    organization,
    role: principal.role,
    auth: principal.kind,
    organizations: user
      ? await organizationsOfUser(db, user.id)
      : [{ id: organization.id, name: organization.name, role: principal.role }],
  };
}
