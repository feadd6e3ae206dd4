import { describe, expect, it } from 'vitest';
import { invitationTokenFrom, signupVariant } from './signup-form';

describe('signupVariant', () => {
  it('creates an organization when sign-up is open or nobody has signed up yet', () => {
    expect(signupVariant({ mode: 'open', first_user: false }, null)).toBe('create');
    expect(signupVariant({ mode: 'invite-only', first_user: true }, null)).toBe('create');
  });

  it('asks for an invitation on an invite-only install that has its first user', () => {
    expect(signupVariant({ mode: 'invite-only', first_user: false }, null)).toBe('invitation');
  });

  it('joins with the invitation of the link, whatever the mode', () => {
    expect(signupVariant({ mode: 'open', first_user: false }, 'dsi_abc')).toBe('invitation');
    expect(signupVariant({ mode: 'invite-only', first_user: true }, 'dsi_abc')).toBe('invitation');
  });
});

describe('invitationTokenFrom', () => {
  it('takes the token out of a pasted invitation link, or the pasted token as it is', () => {
    expect(invitationTokenFrom('http://127.0.0.1:3000/accept-invite?token=dsi_a-b_c')).toBe('dsi_a-b_c');
    expect(invitationTokenFrom('  dsi_a-b_c \n')).toBe('dsi_a-b_c');
  });
});
