import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import {
  addMember,
  memberIdOf as memberIdOfIn,
  signUp,
  uniqueEmail,
  type SignedInUser,
} from '../../test/support/users.js';

let t: TestApp;
let owner: SignedInUser;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Members Org' });
});
afterAll(() => t?.close());

const invite = (headers: Record<string, string>, email: string, role: string) =>
  t.app.inject({ method: 'POST', url: '/api/v1/invitations', headers, payload: { email, role } });
const accept = (headers: Record<string, string>, token: string) =>
  t.app.inject({ method: 'POST', url: '/api/v1/invitations/accept', headers, payload: { token } });

const memberIdOf = (user: SignedInUser) => memberIdOfIn(t.app, owner, user);

describe('invitations', () => {
  it('invites by email, shows the token once, and the invitee joins with that role', async () => {
    const email = uniqueEmail('invitee');
    const created = await invite(owner.headers, email, 'editor');
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json();
    expect(token).toMatch(/^dsi_/);

    const pending = await t.app.inject({ method: 'GET', url: '/api/v1/invitations', headers: owner.headers });
    expect(pending.json().find((i: { id: string }) => i.id === id)).toMatchObject({
      email,
      role: 'editor',
      status: 'pending',
    });
    expect(pending.body).not.toContain(token);

    const invitee = await signUp(t.app, { email, organization: 'Invitee Org' });
    const accepted = await accept({ cookie: invitee.cookie }, token);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toEqual({ organization_id: owner.me.organization.id, role: 'editor' });

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: invitee.cookie, 'x-organization-id': owner.me.organization.id },
    });
    expect(me.json()).toMatchObject({ role: 'editor', organization: { name: 'Members Org' } });
    expect(me.json().organizations).toHaveLength(2);

    // A used token is spent.
    expect((await accept({ cookie: invitee.cookie }, token)).statusCode).toBe(404);
  });

  it('only lets the invited email accept', async () => {
    const { token } = (await invite(owner.headers, uniqueEmail('intended'), 'viewer')).json();
    const stranger = await signUp(t.app);
    const response = await accept({ cookie: stranger.cookie }, token);
    expect(response.statusCode).toBe(403);
  });

  it('answers 404 for unknown and cancelled tokens alike', async () => {
    const email = uniqueEmail('cancelled');
    const { token, id } = (await invite(owner.headers, email, 'viewer')).json();
    const cancel = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/invitations/${id}`,
      headers: owner.headers,
    });
    expect(cancel.statusCode).toBe(204);
    const invitee = await signUp(t.app, { email });
    expect((await accept({ cookie: invitee.cookie }, token)).statusCode).toBe(404);
    expect((await accept({ cookie: invitee.cookie }, 'dsi_not-a-real-token')).statusCode).toBe(404);
  });

  it('shows an expired invitation as expired, and refuses it', async () => {
    const email = uniqueEmail('late');
    const { token, id } = (await invite(owner.headers, email, 'viewer')).json();
    await t.database.exec(
      `UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = '${id}'`,
    );
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/invitations', headers: owner.headers });
    expect(list.json().find((i: { id: string }) => i.id === id).status).toBe('expired');
    const invitee = await signUp(t.app, { email });
    expect((await accept({ cookie: invitee.cookie }, token)).statusCode).toBe(404);
  });

  it('refuses to invite an existing member (409) and an admin inviting an owner (403)', async () => {
    const member = await addMember(t.app, owner, 'admin');
    const again = await invite(owner.headers, member.email, 'viewer');
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0].pointer).toBe('/email');
    expect((await invite(member.headers, uniqueEmail(), 'owner')).statusCode).toBe(403);
  });
});

describe('members', () => {
  it('lists members with their roles to every role, viewers included', async () => {
    const viewer = await addMember(t.app, owner, 'viewer');
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/members', headers: viewer.headers });
    expect(response.statusCode).toBe(200);
    const members = response.json() as { email: string; role: string }[];
    expect(members).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ email: owner.email, role: 'owner' }),
        expect.objectContaining({ email: viewer.email, role: 'viewer' }),
      ]),
    );
    // Only this organization's members: the viewer's own organization is not mixed in.
    expect(members.filter((m) => m.email === viewer.email)).toHaveLength(1);
  });

  it('lets an admin change an editor to viewer but not promote anyone to owner or touch an owner', async () => {
    const admin = await addMember(t.app, owner, 'admin');
    const editor = await addMember(t.app, owner, 'editor');
    const editorId = await memberIdOf(editor);
    const demote = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${editorId}`,
      headers: admin.headers,
      payload: { role: 'viewer' },
    });
    expect(demote.statusCode).toBe(200);
    expect(demote.json().role).toBe('viewer');
    const promote = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${editorId}`,
      headers: admin.headers,
      payload: { role: 'owner' },
    });
    expect(promote.statusCode).toBe(403);
    const ownerId = await memberIdOf(owner);
    const touchOwner = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${ownerId}`,
      headers: admin.headers,
    });
    expect(touchOwner.statusCode).toBe(403);
  });

  it('keeps at least one owner', async () => {
    const solo = await signUp(t.app, { organization: 'Solo' });
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/members', headers: solo.headers });
    const selfId = list.json()[0].id;
    const demote = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${selfId}`,
      headers: solo.headers,
      payload: { role: 'admin' },
    });
    expect(demote.statusCode).toBe(409);
    const remove = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${selfId}`,
      headers: solo.headers,
    });
    expect(remove.statusCode).toBe(409);
  });

  it('a removed member loses access to the organization at once', async () => {
    const editor = await addMember(t.app, owner, 'editor');
    const id = await memberIdOf(editor);
    const remove = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${id}`,
      headers: owner.headers,
    });
    expect(remove.statusCode).toBe(204);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: editor.headers });
    expect(me.statusCode).toBe(403);
  });

  it('hides another organization’s members: their ids are 404', async () => {
    const other = await signUp(t.app, { organization: 'Elsewhere' });
    const ownerId = await memberIdOf(owner);
    const response = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/members/${ownerId}`,
      headers: other.headers,
      payload: { role: 'viewer' },
    });
    expect(response.statusCode).toBe(404);
  });
});

describe('organization', () => {
  it('lets the owner rename it and writes the change to the audit log', async () => {
    const response = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organization',
      headers: owner.headers,
      payload: { name: 'Members Org Renamed' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().name).toBe('Members Org Renamed');
    const audit = await rowsOf<{ action: string; before: { name: string }; after: { name: string } }>(
      t.database.db,
      `SELECT action, before, after FROM audit_log WHERE organization_id = '${owner.me.organization.id}'
        AND action LIKE 'organization.%' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit[0]).toMatchObject({
      before: { name: 'Members Org' },
      after: { name: 'Members Org Renamed' },
    });
  });
});
