import type { Me } from '@datasync/contracts';
import type { AppDb } from '../db/types.js';
import { listUserMemberships } from './memberships.repo.js';

/** Every organization a user belongs to with their role there, oldest first, as the login and /me answers list them. */
export async function organizationsOfUser(db: AppDb, userId: string): Promise<Me['organizations']> {
  const memberships = await listUserMemberships(db, userId);
  return memberships.map((m) => ({ id: m.orgId, name: m.orgName, role: m.role }));
}
