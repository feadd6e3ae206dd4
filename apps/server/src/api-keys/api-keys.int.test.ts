import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { addMember, signUp, type SignedInUser } from '../../test/support/users.js';

let t: TestApp;
let owner: SignedInUser;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Keys Org' });
});
afterAll(() => t?.close());

async function createKey(headers: Record<string, string>, role: string, name = `${role} key`) {
  return t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers, payload: { name, role } });
}

describe('API keys', () => {
  it('shows the key once at creation and only a prefix afterwards; stores only a hash', async () => {
    const created = await createKey(owner.headers, 'editor', 'CI deploy');
    expect(created.statusCode).toBe(201);
    const { key, id, prefix } = created.json();
    expect(key).toMatch(/^dsk_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(prefix)).toBe(true);

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: owner.headers });
    expect(list.statusCode).toBe(200);
    const listed = list.json().find((k: { id: string }) => k.id === id);
    expect(listed).toMatchObject({ name: 'CI deploy', role: 'editor', prefix, revoked_at: null });
    expect(list.body).not.toContain(key);

    const stored = await rowsOf<{ key_hash: string }>(
      t.database.db,
      `SELECT key_hash FROM api_keys WHERE id = '${id}'`,
    );
    expect(stored[0]?.key_hash).toBeTruthy();
    expect(stored[0]?.key_hash).not.toContain(key.slice(4));
  });

  it('authenticates as the organization with the key’s role, and records its last use', async () => {
    const { key, id } = (await createKey(owner.headers, 'viewer')).json();
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      auth: 'api_key',
      role: 'viewer',
      organization: { id: owner.me.organization.id },
    });
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: owner.headers });
    expect(list.json().find((k: { id: string }) => k.id === id).last_used_at).not.toBeNull();
  });

  it('cannot be made stronger than its creator: an admin cannot mint an owner key', async () => {
    const admin = await addMember(t.app, owner, 'admin');
    const refused = await createKey(admin.headers, 'owner');
    expect(refused.statusCode).toBe(403);
    expect((await createKey(admin.headers, 'admin')).statusCode).toBe(201);
  });

  it('stops working the moment it is revoked', async () => {
    const { key, id } = (await createKey(owner.headers, 'admin')).json();
    const authorization = `Bearer ${key}`;
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } })).statusCode,
    ).toBe(200);
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${id}`,
      headers: owner.headers,
    });
    expect(revoke.statusCode).toBe(204);
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } });
    expect(after.statusCode).toBe(401);
    const again = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${id}`,
      headers: owner.headers,
    });
    expect(again.statusCode).toBe(404);
  });

  it('refuses malformed and unknown keys with 401 problem+json', async () => {
    for (const authorization of ['Bearer nope', 'Basic abc', `Bearer dsk_${'A'.repeat(43)}`]) {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } });
      expect(response.statusCode, authorization).toBe(401);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    }
  });

  it('belongs to one organization: another organization cannot see or revoke it, and it cannot reach theirs', async () => {
    const { key, id } = (await createKey(owner.headers, 'owner')).json();
    const other = await signUp(t.app, { organization: 'Other Org' });
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: other.headers });
    expect(list.json()).toEqual([]);
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${id}`,
      headers: other.headers,
    });
    expect(revoke.statusCode).toBe(404);
    // X-Organization-Id cannot move a key into another organization.
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${key}`, 'x-organization-id': other.me.organization.id },
    });
    expect(me.json().organization.id).toBe(owner.me.organization.id);
  });
});
