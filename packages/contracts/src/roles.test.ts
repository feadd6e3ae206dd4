import { describe, expect, it } from 'vitest';
import { can, lesserRole, PERMISSION_MIN_ROLE, ROLES, type Permission, type Role } from './roles.js';

const allowed = (role: Role) =>
  (Object.keys(PERMISSION_MIN_ROLE) as Permission[]).filter((permission) => can(role, permission)).sort();

describe('permission table', () => {
  it('lets a viewer read and nothing else', () => {
    expect(allowed('viewer')).toEqual(
      ['content:read', 'members:read', 'organization:read', 'sites:read', 'sync:read'].sort(),
    );
  });

  it('lets an editor also edit content and mappings and run syncs, but not manage sites or people', () => {
    const extra = allowed('editor').filter((p) => !allowed('viewer').includes(p));
    expect(extra).toEqual(['content:write', 'mappings:write', 'sync:run']);
  });

  it('lets an admin also manage sites, members, API keys and alert channels, but not the organization', () => {
    const extra = allowed('admin').filter((p) => !allowed('editor').includes(p));
    expect(extra).toEqual(['alerts:manage', 'api_keys:manage', 'members:manage', 'sites:write']);
    expect(can('admin', 'organization:manage')).toBe(false);
  });

  it('lets an owner do everything', () => {
    expect(allowed('owner')).toEqual(Object.keys(PERMISSION_MIN_ROLE).sort());
  });

  it('is monotonic: each role holds every permission of the roles below it', () => {
    ROLES.forEach((role, rank) => {
      for (const lower of ROLES.slice(0, rank)) {
        expect(
          allowed(lower).every((p) => can(role, p)),
          `${role} ⊇ ${lower}`,
        ).toBe(true);
      }
    });
  });
});

describe('lesserRole', () => {
  it('is the less privileged of the two, whichever comes first', () => {
    expect(lesserRole('editor', 'viewer')).toBe('viewer');
    expect(lesserRole('viewer', 'editor')).toBe('viewer');
    expect(lesserRole('owner', 'admin')).toBe('admin');
    expect(lesserRole('admin', 'admin')).toBe('admin');
  });
});
