import { Type, type Static } from '@sinclair/typebox';

/** Roles from least to most privileged; the order is the hierarchy. */
export const ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export const RoleSchema = Type.Union(
  ROLES.map((role) => Type.Literal(role)),
  { description: 'viewer < editor < admin < owner' },
);
export type Role = Static<typeof RoleSchema>;

/**
 * What each role may do. A role holds every permission of the roles below it, so each permission names only
 * the least role that has it.
 */
export const PERMISSION_MIN_ROLE = {
  'organization:read': 'viewer',
  'content:read': 'viewer',
  'sites:read': 'viewer',
  'sync:read': 'viewer',
  'members:read': 'viewer',
  'content:write': 'editor',
  'mappings:write': 'editor',
  'sync:run': 'editor',
  'sites:write': 'admin',
  'members:manage': 'admin',
  'api_keys:manage': 'admin',
  'alerts:manage': 'admin',
  'organization:manage': 'owner',
} as const satisfies Record<string, Role>;
export type Permission = keyof typeof PERMISSION_MIN_ROLE;

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return roleRank(role) >= roleRank(minimum);
}

/** The less privileged of two roles: what a key may do when its creator's role is lower than its own. */
export function lesserRole(a: Role, b: Role): Role {
  return roleRank(a) <= roleRank(b) ? a : b;
}

export function can(role: Role, permission: Permission): boolean {
  return roleAtLeast(role, PERMISSION_MIN_ROLE[permission]);
}
