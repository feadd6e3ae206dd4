import { randomUUID } from 'node:crypto';
import { can, ROLES, type Permission, type Role } from '@datasync/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { addMember, signUp, type SignedInUser } from '../../test/support/users.js';

let t: TestApp;
const callers = {} as Record<Role, Record<string, string>>;
const keyCallers = {} as Record<Role, Record<string, string>>;

beforeAll(async () => {
  t = await createTestApp();
  const owner: SignedInUser = await signUp(t.app, { organization: 'RBAC Org' });
  callers.owner = owner.headers;
  for (const role of ['admin', 'editor', 'viewer'] as const)
    callers[role] = (await addMember(t.app, owner, role)).headers;
  for (const role of ROLES) {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: owner.headers,
      payload: { name: `${role} key`, role },
    });
    keyCallers[role] = { authorization: `Bearer ${created.json().key}` };
  }
});
afterAll(() => t?.close());

/** Every route guarded by a permission, with ids filled in by random (absent) uuids. */
function guardedRoutes() {
  return t.app.routeAccess
    .filter((route) => route.access !== 'public' && route.access !== 'signed-in')
    .map((route) => ({ ...route, path: route.url.replace(/:[a-z_]+/g, randomUUID()) }));
}

describe('role-based access on every guarded route', () => {
  it('covers the routes of this release', () => {
    const urls = guardedRoutes().map((route) => `${route.method} ${route.url}`);
    expect(urls).toEqual(
      expect.arrayContaining([
        'GET /api/v1/me',
        'PATCH /api/v1/organization',
        'GET /api/v1/members',
        'PATCH /api/v1/members/:id',
        'POST /api/v1/invitations',
        'POST /api/v1/api-keys',
        'DELETE /api/v1/api-keys/:id',
      ]),
    );
  });

  for (const [kind, who] of [
    ['session', callers],
    ['API key', keyCallers],
  ] as const) {
    it(`answers 403 exactly when the ${kind}'s role lacks the permission`, async () => {
      const mismatches: string[] = [];
      let checked = 0;
      for (const route of guardedRoutes()) {
        for (const role of ROLES) {
          const response = await t.app.inject({
            method: route.method as 'GET',
            url: route.path,
            // A Last-Event-ID no stream gives: allowed callers of the live event streams get a 400 instead of a
            // stream that never ends. Other routes ignore it.
            headers: { ...who[role], 'last-event-id': 'not-an-event-id' },
            // An empty body: allowed callers then get a validation error or 404, never 401/403.
            ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
          });
          checked += 1;
          const expectedForbidden = !can(role, route.access as Permission);
          const forbidden = response.statusCode === 403;
          if (forbidden !== expectedForbidden || response.statusCode === 401 || response.statusCode >= 500) {
            mismatches.push(`${role} ${route.method} ${route.url} → ${response.statusCode}`);
          }
          if (forbidden) expect(response.json().type).toBe('urn:datasync:problem:forbidden');
        }
      }
      expect(checked).toBeGreaterThanOrEqual(guardedRoutes().length * 4);
      expect(mismatches).toEqual([]);
    });
  }

  it('refuses API keys on routes meant for a signed-in person', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: keyCallers.owner,
    });
    expect(response.statusCode).toBe(403);
  });
});
