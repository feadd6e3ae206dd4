import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import {
  addMember,
  memberIdOf as memberIdOfIn,
  signUp,
  type SignedInUser,
} from '../../test/support/users.js';

// An API key acts for the member who created it: never above their current role, and not after they leave.

let t: TestApp;
let owner: SignedInUser;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Key Ownership Org' });
});
afterAll(() => t?.close());

function postKey(headers: Record<string, string>, role: string, name = `${role} key`) {
  return t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers, payload: { name, role } });
}

async function createKey(headers: Record<string, string>, role: string, name?: string) {
  const response = await postKey(headers, role, name);
  if (response.statusCode !== 201) throw new Error(`key: ${response.statusCode} ${response.body}`);
  return response.json() as { id: string; key: string };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** How the keys list names a user. */
const creator = (user: SignedInUser) => ({
  id: user.me.user!.id,
  name: user.me.user!.name,
  email: user.email,
});

const memberIdOf = (user: SignedInUser) => memberIdOfIn(t.app, owner, user);

async function listedKey(id: string) {
  const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: owner.headers });
  return list.json().find((k: { id: string }) => k.id === id);
}

function writeContent(headers: Record<string, string>, slug: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/content-types',
    headers,
    payload: { name: slug, slug, schema: { type: 'object', properties: {} } },
  });
}

function revoke(headers: Record<string, string>, id: string) {
  return t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers });
}

describe('API key ownership', () => {
  it('lists each key with its creator: id, name and email', async () => {
    const admin = await addMember(t.app, owner, 'admin');
    const ownerKey = await createKey(owner.headers, 'viewer', 'owner’s');
    const adminKey = await createKey(admin.headers, 'editor', 'admin’s');
    expect((await listedKey(ownerKey.id)).created_by).toEqual(creator(owner));
    expect((await listedKey(adminKey.id)).created_by).toEqual(creator(admin));
  });

  it('a key created with a key belongs to that key’s creator', async () => {
    const admin = await addMember(t.app, owner, 'admin');
    const adminKey = await createKey(admin.headers, 'admin');
    const child = await createKey(bearer(adminKey.key), 'editor', 'made by a key');
    expect((await listedKey(child.id)).created_by.id).toBe(creator(admin).id);
    // Removing the admin revokes both: the child cannot outlive its creator's membership either.
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${await memberIdOf(admin)}`,
      headers: owner.headers,
    });
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(child.key) });
    expect(me.statusCode).toBe(401);
  });

  it('removing a member revokes their keys at once, in the audit log too; the list still names them', async () => {
    const editorToBe = await addMember(t.app, owner, 'admin');
    const key = await createKey(editorToBe.headers, 'editor');
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(key.key) })).statusCode,
    ).toBe(200);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${await memberIdOf(editorToBe)}`,
      headers: owner.headers,
    });
    expect(removed.statusCode).toBe(204);

    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(key.key) });
    expect(me.statusCode).toBe(401);
    expect(me.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await writeContent(bearer(key.key), 'after-removal')).statusCode).toBe(401);
    const listed = await listedKey(key.id);
    expect(listed.revoked_at).not.toBeNull();
    expect(listed.created_by).toEqual(creator(editorToBe));
    const audit = await rowsOf<{ action: string; actor_user_id: string }>(
      t.database.db,
      `SELECT action, actor_user_id FROM audit_log WHERE entity_id = '${key.id}' ORDER BY id`,
    );
    expect(audit).toEqual([
      { action: 'api_key.create', actor_user_id: creator(editorToBe).id },
      { action: 'api_key.revoke', actor_user_id: creator(owner).id },
    ]);
    // The member's session no longer reaches the organization either (membership is checked per request).
    const session = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: editorToBe.headers });
    expect(session.statusCode).toBe(403);
  });

  it('caps a key at its creator’s current role: an editor key of a member lowered to viewer cannot write', async () => {
    const member = await addMember(t.app, owner, 'admin');
    const key = await createKey(member.headers, 'editor');
    expect((await writeContent(bearer(key.key), 'before-lowering')).statusCode).toBe(201);

    const id = await memberIdOf(member);
    const lower = (role: string) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/v1/members/${id}`,
        headers: owner.headers,
        payload: { role },
      });
    expect((await lower('viewer')).statusCode).toBe(200);
    const refused = await writeContent(bearer(key.key), 'after-lowering');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toBe('Your role (viewer) does not allow content:write.');
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(key.key) });
    expect(me.json().role).toBe('viewer');
    // The stored role is unchanged: raised again, the creator's key does what it was made for, and no more.
    expect((await lower('owner')).statusCode).toBe(200);
    const again = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(key.key) });
    expect(again.json().role).toBe('editor');
  });

  it('refuses to create a key above the creator’s role, also through a capped key', async () => {
    const admin = await addMember(t.app, owner, 'admin');
    expect((await postKey(admin.headers, 'owner')).statusCode).toBe(403);
    // An owner's owner key, once the owner is lowered to admin, acts as admin: it cannot mint an owner key.
    const coOwner = await addMember(t.app, owner, 'owner');
    const ownerKey = await createKey(coOwner.headers, 'owner');
    const lowered = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${await memberIdOf(coOwner)}`,
      headers: owner.headers,
      payload: { role: 'admin' },
    });
    expect(lowered.statusCode).toBe(200);
    const viaKey = await postKey(bearer(ownerKey.key), 'owner');
    expect(viaKey.statusCode).toBe(403);
    expect(viaKey.json().detail).toBe('Your role (admin) cannot grant the owner role.');
  });
});

describe('DELETE /api/v1/api-keys/:id', () => {
  it('an admin cannot revoke an owner’s key (403), which keeps working; the owner revokes any key', async () => {
    const admin = await addMember(t.app, owner, 'admin');
    const ownerKey = await createKey(owner.headers, 'viewer');
    const refused = await revoke(admin.headers, ownerKey.id);
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.json().detail).toBe(
      'Your role (admin) cannot revoke a key of a member whose role is owner.',
    );
    // Nor with an admin key of their own.
    const adminKey = await createKey(admin.headers, 'admin');
    expect((await revoke(bearer(adminKey.key), ownerKey.id)).statusCode).toBe(403);
    expect((await listedKey(ownerKey.id)).revoked_at).toBeNull();
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(ownerKey.key) })).statusCode,
    ).toBe(200);

    expect((await revoke(owner.headers, adminKey.id)).statusCode).toBe(204);
    expect((await revoke(owner.headers, ownerKey.id)).statusCode).toBe(204);
  });

  it('an admin revokes their own keys and another admin’s; an editor revokes none', async () => {
    const admin = await addMember(t.app, owner, 'admin');
    const otherAdmin = await addMember(t.app, owner, 'admin');
    const own = await createKey(admin.headers, 'viewer');
    const others = await createKey(otherAdmin.headers, 'viewer');
    expect((await revoke(admin.headers, own.id)).statusCode).toBe(204);
    expect((await revoke(admin.headers, others.id)).statusCode).toBe(204);

    const editor = await addMember(t.app, owner, 'editor');
    const ownerKey = await createKey(owner.headers, 'viewer');
    expect((await revoke(editor.headers, ownerKey.id)).statusCode).toBe(403);
  });
});
