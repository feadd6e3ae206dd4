import type { Me } from '@datasync/contracts';
import type { AppDb } from '../db/types.js';
import { getOrganization } from '../organizations/organizations.service.js';
import { listUserMemberships } from '../organizations/memberships.repo.js';
import type { Principal, SessionUser } from './principal.js';

export async function describeCaller(
  db: AppDb,
  principal: Principal,
  user: Pick<SessionUser, 'id' | 'email' | 'name'> | null,
): Promise<Me> {
  const organization = await getOrganization(db, principal);
  const memberships = user ? await listUserMemberships(db, user.id) : [];
  return {
    user: user ? { id: user.id, email: user.email, name: user.name } : null,
    organization,
    role: principal.role,
    auth: principal.kind,
    organizations: user
      ? memberships.map((m) => ({ id: m.orgId, name: m.orgName, role: m.role }))
      : [{ id: organization.id, name: organization.name, role: principal.role }],
  };
}
