import type { SignupMode } from '@datasync/contracts';

/** `create`: a new organization of the user's own; `invitation`: join the organization that invited them. */
export type SignupVariant = 'create' | 'invitation';

/**
 * Which sign-up form to show. An invitation link always joins; without one, an invite-only install takes only
 * its first user's own organization, so everyone after that needs an invitation token.
 */
export function signupVariant(mode: SignupMode, invitationFromUrl: string | null): SignupVariant {
  if (invitationFromUrl) return 'invitation';
  return mode.mode === 'invite-only' && !mode.first_user ? 'invitation' : 'create';
}

/** The token of a pasted invitation link (`…/accept-invite?token=dsi_…`), or the pasted text itself. */
export function invitationTokenFrom(text: string): string {
  const trimmed = text.trim();
  if (!URL.canParse(trimmed)) return trimmed;
  return new URL(trimmed).searchParams.get('token') ?? trimmed;
}
