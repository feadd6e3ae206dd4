import { randomBytes } from 'node:crypto';
import type { Me, Role } from '@datasync/contracts';
import type { App } from '../../src/http/app.js';

export interface SignedInUser {
  email: string;
  password: string;
  /** The `cookie` request header that carries the session. */
  cookie: string;
  me: Me;
  /** Headers for requests as this user in the organization of interest (cookie + X-Organization-Id). */
  headers: Record<string, string>;
}

let counter = 0;
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}-${counter}-${randomBytes(3).toString('hex')}@example.test`;
}

/** `name=value` pairs of a response's Set-Cookie headers, ready to send back as a Cookie header. */
export function cookieHeaderFrom(setCookie: string | string[] | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return all.map((line) => line.split(';')[0]).join('; ');
}

export async function signUp(
  app: App,
  options: { organization?: string; email?: string; password?: string } = {},
): Promise<SignedInUser> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? 'correct horse battery';
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email, password, organization_name: options.organization ?? 'Test Org' },
  });
  if (response.statusCode !== 201) throw new Error(`sign-up failed: ${response.statusCode} ${response.body}`);
  return signedIn(email, password, response.json(), cookieHeaderFrom(response.headers['set-cookie']));
}

/** signUp over real HTTP, for a `datasync` process listening at `url`. */
export async function signUpOverHttp(
  url: string,
  options: { organization?: string; email?: string; password?: string } = {},
): Promise<SignedInUser> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? 'correct horse battery';
  const response = await fetch(`${url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, organization_name: options.organization ?? 'Test Org' }),
  });
  if (response.status !== 201) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  return signedIn(
    email,
    password,
    (await response.json()) as Me,
    cookieHeaderFrom(response.headers.getSetCookie()),
  );
}

function signedIn(email: string, password: string, me: Me, cookie: string): SignedInUser {
  return { email, password, cookie, me, headers: { cookie, 'x-organization-id': me.organization.id } };
}

export async function logIn(app: App, email: string, password: string): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return cookieHeaderFrom(response.headers['set-cookie']);
}

/** logIn over real HTTP, for a `datasync` process listening at `url`: the session's Cookie header. */
export async function logInOverHttp(url: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return cookieHeaderFrom(response.headers.getSetCookie());
}

/**
 * A user with `role` in `owner`'s organization, through the real invitation flow (invite → sign up → accept).
 * Sign-up also gives them an organization of their own; `headers` select `owner`'s.
 */
export async function addMember(app: App, owner: SignedInUser, role: Role): Promise<SignedInUser> {
  const email = uniqueEmail(role);
  const invite = await app.inject({
    method: 'POST',
    url: '/api/v1/invitations',
    headers: owner.headers,
    payload: { email, role },
  });
  if (invite.statusCode !== 201) throw new Error(`invite failed: ${invite.statusCode} ${invite.body}`);
  const member = await signUp(app, { email, organization: `${role} own org` });
  const accept = await app.inject({
    method: 'POST',
    url: '/api/v1/invitations/accept',
    headers: { cookie: member.cookie },
    payload: { token: invite.json().token },
  });
  if (accept.statusCode !== 200) throw new Error(`accept failed: ${accept.statusCode} ${accept.body}`);
  return { ...member, headers: { cookie: member.cookie, 'x-organization-id': owner.me.organization.id } };
}

/** The membership id of `user` in the organization `admin`'s headers select (for PATCH and DELETE /members/:id). */
export async function memberIdOf(app: App, admin: SignedInUser, user: SignedInUser): Promise<string> {
  const list = await app.inject({ method: 'GET', url: '/api/v1/members', headers: admin.headers });
  const member = list.json().find((m: { email: string }) => m.email === user.email);
  if (!member) throw new Error(`${user.email} is not a member`);
  return member.id;
}
