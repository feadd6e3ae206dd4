import { roleAtLeast, type Role } from '@datasync/contracts';
import { forbidden } from '../http/problem.js';

/** Nobody hands out or takes away more power than they hold: an admin cannot create owners, or touch one. */
export function assertMayGrant(actorRole: Role, role: Role): void {
  if (!roleAtLeast(actorRole, role)) {
    throw forbidden(`Your role (${actorRole}) cannot grant the ${role} role.`);
  }
}

export function assertMayManage(actorRole: Role, targetRole: Role): void {
  if (!roleAtLeast(actorRole, targetRole)) {
    throw forbidden(`Your role (${actorRole}) cannot change a member whose role is ${targetRole}.`);
  }
}
