import type { Me, SignupBody, SignupMode } from '@datasync/contracts';
import type { AppDeps } from '../app-deps.js';
import { HttpProblem } from '../http/problem.js';
import { acceptInvitation, findInvitationFor } from '../organizations/invitations.service.js';
import { createOrganizationForOwner } from '../organizations/organizations.service.js';
import { fromAuthError } from '../auth/auth-errors.js';
import { describeCaller } from '../organizations/me.service.js';
import type { Principal } from '../access/principal.js';
import { assertPasswordAllowed } from '../auth/password-policy.js';
import { invitationRefused, signupByInvitationOnly, signupTarget } from './signup-policy.js';
import { anyUserExists, claimFirstUser, deleteUser } from './signup.repo.js';

type SignupDeps = Pick<AppDeps, 'db' | 'auth' | 'config'>;

/**
 * Creates an account and either its own organization (open sign-up, or the install's first user) or a membership
 * in the organization that invited it. Everything that can be refused up front is, before the account exists;
 * whatever fails after deletes the account again, so the email is free to try again.
 */
export async function signUp(
  { db, auth, config }: SignupDeps,
  body: SignupBody,
  requestHeaders: Headers,
): Promise<{ me: Me; headers: Headers }> {
  const target = signupTarget(body);
  assertPasswordAllowed(body.password);
  if ('invitationToken' in target) {
    const found = await findInvitationFor(db, target.invitationToken, body.email);
    if ('refused' in found) throw invitationRefused(found.refused);
  } else if (config.signup === 'invite-only' && (await anyUserExists(db))) {
    throw signupByInvitationOnly();
  }

  const { email, password } = body;
  const name = body.name ?? email.split('@')[0]!;
  const { headers, response } = await auth.api
    .signUpEmail({ body: { email, password, name }, headers: requestHeaders, returnHeaders: true })
    .catch(fromAuthError);
  const user = { id: response.user.id, email: response.user.email, name: response.user.name };
  try {
    if ('invitationToken' in target) {
      const joined = await acceptInvitation(db, user, target.invitationToken).catch((error: unknown) => {
        // Used or revoked since the check above.
        throw error instanceof HttpProblem && error.status === 404 ? invitationRefused('not-pending') : error;
      });
      const principal: Principal = {
        kind: 'session',
        orgId: joined.organization_id,
        role: joined.role,
        userId: user.id,
        apiKeyId: null,
        actingFor: user.id,
      };
      return { me: await describeCaller(db, principal, user), headers };
    }
    if (config.signup === 'invite-only' && !(await claimFirstUser(db, user.id)))
      throw signupByInvitationOnly();
    const organization = await createOrganizationForOwner(db, {
      userId: user.id,
      name: target.organizationName,
    });
    const me: Me = {
      user,
      organization,
      role: 'owner',
      auth: 'session',
      organizations: [{ id: organization.id, name: organization.name, role: 'owner' }],
    };
    return { me, headers };
  } catch (error) {
    await deleteUser(db, user.id);
    throw error;
  }
}

/** The sign-up mode and whether the next sign-up would be the install's first, for the sign-up page. */
export async function getSignupMode({ db, config }: Pick<AppDeps, 'db' | 'config'>): Promise<SignupMode> {
  return { mode: config.signup, first_user: !(await anyUserExists(db)) };
}
