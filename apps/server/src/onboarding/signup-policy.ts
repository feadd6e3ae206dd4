import type { InvalidParam, SignupBody } from '@datasync/contracts';
import { HttpProblem, forbidden } from '../http/problem.js';
import type { InvitationRefusal } from '../organizations/invitations.service.js';

/** What a sign-up is for: a new organization of the user's own, or joining the one that invited them. */
export type SignupTarget = { organizationName: string } | { invitationToken: string };

const invalidBody = (errors: InvalidParam[]) =>
  new HttpProblem(400, 'validation-error', 'The request body is invalid.', errors);

/** The body names exactly one of organization_name and invitation_token (the schema alone cannot say why not). */
export function signupTarget(body: Pick<SignupBody, 'organization_name' | 'invitation_token'>): SignupTarget {
  const { organization_name: organizationName, invitation_token: invitationToken } = body;
  if (organizationName !== undefined && invitationToken !== undefined) {
    throw invalidBody([
      { in: 'body', pointer: '/invitation_token', message: 'cannot be combined with organization_name' },
    ]);
  }
  if (invitationToken !== undefined) return { invitationToken };
  if (organizationName !== undefined) return { organizationName };
  throw invalidBody([
    { in: 'body', pointer: '/organization_name', message: 'is required unless invitation_token is given' },
  ]);
}

/** A sign-up without an invitation on an invite-only install that already has its first user. */
export const signupByInvitationOnly = () =>
  forbidden(
    'Sign-up on this DataSync is by invitation only. Ask an admin of an organization for an invitation and sign ' +
      'up with its token, or ask the operator to set SIGNUP=open.',
  );

/** A sign-up whose invitation token cannot be used; the same answer for every kind of unusable token. */
export function invitationRefused(refusal: InvitationRefusal): HttpProblem {
  return refusal === 'other-email'
    ? invalidBody([
        { in: 'body', pointer: '/email', message: 'is not the address this invitation was sent to' },
      ])
    : invalidBody([
        {
          in: 'body',
          pointer: '/invitation_token',
          message: 'is not a pending invitation (unknown, already used, revoked or expired)',
        },
      ]);
}
