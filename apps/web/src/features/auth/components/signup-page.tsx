import { PASSWORD_MIN_LENGTH } from '@datasync/contracts';
import { ApiError } from '../../../lib/api-client';
import { Link, navigate, useSearchParam } from '../../../lib/router';
import { Button, ErrorState, Loading, TextField } from '../../../components/ui';
import { useSignup, useSignupMode } from '../api';
import { invitationTokenFrom, signupVariant } from '../signup-form';
import { AuthFrame, formValues, safeNext } from './auth-form';

/**
 * Sign-up creates the user's own organization, or joins the one that invited them: an invitation link brings its
 * token (`?invitation=`), and on an invite-only install that has its first user a token is the only way in.
 */
export default function SignupPage() {
  const next = useSearchParam('next');
  const invitation = useSearchParam('invitation');
  const mode = useSignupMode();
  const signup = useSignup();
  const fields = signup.error instanceof ApiError ? signup.error.fieldErrors() : new Map<string, string>();
  if (mode.isPending) return <Loading />;
  const variant = mode.data ? signupVariant(mode.data, invitation) : 'create';
  return (
    <AuthFrame
      title={variant === 'invitation' ? 'Join your organization' : 'Create your organization'}
      footer={
        <>
          Already have an account?{' '}
          <Link to="/login" className="font-medium text-indigo-700 underline">
            Log in
          </Link>
        </>
      }
    >
      {mode.error && <ErrorState error={mode.error} retry={() => mode.refetch()} />}
      <form
        className="space-y-4"
        onSubmit={(event) => {
          const { email = '', password = '', name = '', ...rest } = formValues(event);
          const target =
            variant === 'invitation'
              ? { invitation_token: invitationTokenFrom(invitation ?? rest.invitation_token ?? '') }
              : { organization_name: rest.organization_name ?? '' };
          signup.mutate(
            { email, password, ...target, ...(name ? { name } : {}) },
            { onSuccess: () => navigate(safeNext(next), { replace: true }) },
          );
        }}
      >
        {variant === 'create' ? (
          <TextField
            label="Organization name"
            name="organization_name"
            required
            error={fields.get('/organization_name')}
          />
        ) : invitation ? (
          <p className="text-sm text-slate-600">
            You have been invited to an organization on DataSync. Sign up with the email address the
            invitation was sent to.
          </p>
        ) : (
          <>
            <p className="text-sm text-slate-600">
              Sign-up here is by invitation. Ask an admin of your organization to invite your email address,
              then open the link they send you, or paste it below.
            </p>
            <TextField
              label="Invitation link or token"
              name="invitation_token"
              required
              autoComplete="off"
              error={fields.get('/invitation_token')}
            />
          </>
        )}
        <TextField label="Your name" name="name" autoComplete="name" error={fields.get('/name')} />
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          error={fields.get('/email')}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={PASSWORD_MIN_LENGTH}
          maxLength={128}
          required
          hint={`At least ${PASSWORD_MIN_LENGTH} characters, and not a commonly used password.`}
          error={fields.get('/password')}
        />
        {signup.error && <ErrorState error={signup.error} />}
        <Button type="submit" variant="primary" busy={signup.isPending} className="w-full">
          Sign up
        </Button>
      </form>
    </AuthFrame>
  );
}
