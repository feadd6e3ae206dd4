import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../config.js';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { signUp, uniqueEmail, type SignedInUser } from '../../test/support/users.js';

const PASSWORD = 'a long password';
const PROBLEM_JSON = 'application/problem+json; charset=utf-8';
const INVITE_ONLY_DETAIL =
  'Sign-up on this DataSync is by invitation only. Ask an admin of an organization for an invitation and sign up ' +
  'with its token, or ask the operator to set SIGNUP=open.';

/** A fresh install with sign-up mode `signup`, for the tests of one describe block, in order. */
function freshInstall(signup: Config['signup']): { t: TestApp } {
  const install = {} as { t: TestApp };
  beforeAll(async () => {
    install.t = await createTestApp({ signup });
  });
  afterAll(() => install.t?.close());
  return install;
}

const signupRequest = (t: TestApp, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { password: PASSWORD, ...payload } });

const signupMode = async (t: TestApp) =>
  (await t.app.inject({ method: 'GET', url: '/api/v1/auth/signup-mode' })).json();

async function count(t: TestApp, query: string): Promise<number> {
  const [row] = await rowsOf<{ n: number }>(t.database.db, `SELECT count(*)::int AS n FROM ${query}`);
  return row!.n;
}

const usersWithEmail = (t: TestApp, email: string) =>
  count(t, `users WHERE lower(email) = '${email.toLowerCase()}'`);

async function invite(t: TestApp, owner: SignedInUser, email: string, role: string): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/invitations',
    headers: owner.headers,
    payload: { email, role },
  });
  expect(response.statusCode).toBe(201);
  return response.json().token;
}

/** The 400 problem of a sign-up body that breaks one rule, naming `pointer`. */
const invalidBody = (pointer: string, message: string) => ({
  type: 'urn:datasync:problem:validation-error',
  title: 'Bad Request',
  status: 400,
  detail: 'The request body is invalid.',
  errors: [{ in: 'body', pointer, message }],
});

const tokenRefused = invalidBody(
  '/invitation_token',
  'is not a pending invitation (unknown, already used, revoked or expired)',
);

describe('SIGNUP=invite-only', () => {
  let owner: SignedInUser;
  const install = freshInstall('invite-only');

  it('lets the first sign-up of an empty install create the first organization and its owner', async () => {
    const { t } = install;
    expect(await signupMode(t)).toEqual({ mode: 'invite-only', first_user: true });
    owner = await signUp(t.app, { organization: 'First Org' });
    expect(owner.me).toMatchObject({ organization: { name: 'First Org' }, role: 'owner' });
    expect(await signupMode(t)).toEqual({ mode: 'invite-only', first_user: false });
  });

  it('refuses any later sign-up without an invitation with a 403 saying how to get access, leaving no user', async () => {
    const { t } = install;
    const email = uniqueEmail('uninvited');
    const response = await signupRequest(t, { email, organization_name: 'Second Org' });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toBe(PROBLEM_JSON);
    expect(response.json()).toEqual({
      type: 'urn:datasync:problem:forbidden',
      title: 'Forbidden',
      status: 403,
      detail: INVITE_ONLY_DETAIL,
    });
    expect(await usersWithEmail(t, email)).toBe(0);
    expect(await count(t, 'organizations')).toBe(1);
  });

  it('with an invitation token, creates the account in the inviting organization with the invited role only', async () => {
    const { t } = install;
    const email = uniqueEmail('invited');
    const token = await invite(t, owner, email, 'editor');
    const response = await signupRequest(t, {
      email: email.toUpperCase(),
      invitation_token: token,
      name: 'Ed',
    });
    expect(response.statusCode).toBe(201);
    const me = response.json();
    expect(me).toEqual({
      user: { id: expect.any(String), email, name: 'Ed' },
      organization: owner.me.organization,
      role: 'editor',
      auth: 'session',
      organizations: [{ id: owner.me.organization.id, name: 'First Org', role: 'editor' }],
    });
    expect(await count(t, 'organizations')).toBe(1);
    expect(await count(t, `memberships WHERE user_id = '${me.user.id}'`)).toBe(1);

    const session = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: {
        cookie: [response.headers['set-cookie']]
          .flat()
          .map((c) => c!.split(';')[0])
          .join('; '),
      },
    });
    expect(session.json()).toMatchObject({ organization: { id: owner.me.organization.id }, role: 'editor' });

    const invitations = await t.app.inject({
      method: 'GET',
      url: '/api/v1/invitations',
      headers: owner.headers,
    });
    expect(invitations.json().find((i: { email: string }) => i.email === email).status).toBe('accepted');
  });

  it('refuses a used, an unknown, a revoked and an expired token naming /invitation_token, leaving no user', async () => {
    const { t } = install;
    const used = uniqueEmail('used');
    const usedToken = await invite(t, owner, used, 'viewer');
    expect((await signupRequest(t, { email: used, invitation_token: usedToken })).statusCode).toBe(201);
    const late = uniqueEmail('late');
    const reused = await signupRequest(t, { email: late, invitation_token: usedToken });
    expect(reused.statusCode).toBe(400);
    expect(reused.json()).toEqual(tokenRefused);
    const unknown = await signupRequest(t, { email: late, invitation_token: 'dsi_not-a-token' });
    expect(unknown.json()).toEqual(tokenRefused);

    const revokedEmail = uniqueEmail('revoked');
    await invite(t, owner, revokedEmail, 'viewer');
    const revokedToken = await invite(t, owner, revokedEmail, 'viewer'); // re-inviting revokes the first token
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/invitations', headers: owner.headers });
    const pending = list.json().find((i: { email: string; status: string }) => i.email === revokedEmail);
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/invitations/${pending.id}`,
      headers: owner.headers,
    });
    expect((await signupRequest(t, { email: revokedEmail, invitation_token: revokedToken })).json()).toEqual(
      tokenRefused,
    );

    const expiredEmail = uniqueEmail('expired');
    const expiredToken = await invite(t, owner, expiredEmail, 'viewer');
    await t.database.exec(
      `UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = '${expiredEmail}'`,
    );
    const expired = await signupRequest(t, { email: expiredEmail, invitation_token: expiredToken });
    expect(expired.statusCode).toBe(400);
    expect(expired.json()).toEqual(tokenRefused);

    for (const email of [late, revokedEmail, expiredEmail]) expect(await usersWithEmail(t, email)).toBe(0);
  });

  it('refuses an invitation presented with another email naming /email, and the invitation stays usable', async () => {
    const { t } = install;
    const invited = uniqueEmail('addressee');
    const token = await invite(t, owner, invited, 'viewer');
    const thief = uniqueEmail('thief');
    const response = await signupRequest(t, { email: thief, invitation_token: token });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { in: 'body', pointer: '/email', message: 'is not the address this invitation was sent to' },
    ]);
    expect(await usersWithEmail(t, thief)).toBe(0);
    expect((await signupRequest(t, { email: invited, invitation_token: token })).statusCode).toBe(201);
  });
});

describe('two first sign-ups at once on an empty invite-only install', () => {
  const install = freshInstall('invite-only');

  it('create one organization: one is answered 201, the other 403, and only the winner has an account', async () => {
    const { t } = install;
    const emails = [uniqueEmail('racer'), uniqueEmail('racer')];
    const responses = await Promise.all(
      emails.map((email, i) => signupRequest(t, { email, organization_name: `Racer ${i}` })),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 403]);
    expect(await count(t, 'organizations')).toBe(1);
    expect(await count(t, 'users')).toBe(1);
    const winner = emails[responses.findIndex((r) => r.statusCode === 201)]!;
    expect(await usersWithEmail(t, winner)).toBe(1);
  });
});

describe('SIGNUP=open', () => {
  const install = freshInstall('open');

  it('lets anyone create an organization, and invitation tokens still join', async () => {
    const { t } = install;
    expect(await signupMode(t)).toEqual({ mode: 'open', first_user: true });
    const owners = [];
    for (const name of ['Open A', 'Open B', 'Open C'])
      owners.push(await signUp(t.app, { organization: name }));
    expect(await signupMode(t)).toEqual({ mode: 'open', first_user: false });
    expect(await count(t, 'organizations')).toBe(3);

    const email = uniqueEmail('joiner');
    const token = await invite(t, owners[1]!, email, 'admin');
    const joined = await signupRequest(t, { email, invitation_token: token });
    expect(joined.statusCode).toBe(201);
    expect(joined.json()).toMatchObject({ organization: { name: 'Open B' }, role: 'admin' });
    expect(await count(t, 'organizations')).toBe(3);

    // Someone who already has an account is told so; the invitation stays for them to accept once logged in.
    const existing = owners[0]!.email;
    const tokenForExisting = await invite(t, owners[1]!, existing, 'viewer');
    const again = await signupRequest(t, { email: existing, invitation_token: tokenForExisting });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors).toEqual([
      { in: 'body', pointer: '/email', message: 'is already registered' },
    ]);
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      headers: { cookie: owners[0]!.cookie },
      payload: { token: tokenForExisting },
    });
    expect(accepted.json()).toEqual({ organization_id: owners[1]!.me.organization.id, role: 'viewer' });
  });

  it('a body needs exactly one of organization_name and invitation_token (400 naming the field)', async () => {
    const { t } = install;
    const neither = await signupRequest(t, { email: uniqueEmail() });
    expect(neither.statusCode).toBe(400);
    expect(neither.json()).toEqual(
      invalidBody('/organization_name', 'is required unless invitation_token is given'),
    );
    const email = uniqueEmail();
    const both = await signupRequest(t, { email, organization_name: 'X', invitation_token: 'dsi_x' });
    expect(both.statusCode).toBe(400);
    expect(both.json().errors).toEqual([
      { in: 'body', pointer: '/invitation_token', message: 'cannot be combined with organization_name' },
    ]);
    expect(await usersWithEmail(t, email)).toBe(0);
  });
});

describe('password rules on sign-up', () => {
  const install = freshInstall('open');

  it.each([
    ['too short', 'nine char', 'must be at least 10 characters'],
    ['common', 'password123', 'is too common'],
    ['common in other letter case', 'BASKETBALL', 'is too common'],
  ])('refuses a %s password with 400 on /password, and creates nothing', async (_, password, message) => {
    const { t } = install;
    const email = uniqueEmail();
    const response = await signupRequest(t, { email, password, organization_name: 'Weak' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      type: 'urn:datasync:problem:validation-error',
      title: 'Bad Request',
      status: 400,
      detail: `The password ${message}.`,
      errors: [{ in: 'body', pointer: '/password', message }],
    });
    expect(await usersWithEmail(t, email)).toBe(0);
  });

  it('accepts ten characters that are not a common password', async () => {
    const { t } = install;
    expect(
      (await signupRequest(t, { email: uniqueEmail(), password: 'ten chars!', organization_name: 'Ok' }))
        .statusCode,
    ).toBe(201);
  });
});
