import { ApiError } from '../../../lib/api-client';
import { Link, navigate, useSearchParam } from '../../../lib/router';
import { Button, ErrorState, TextField } from '../../../components/ui';
import { useSignup } from '../api';
import { AuthFrame, formValues, safeNext } from './auth-form';

export default function SignupPage() {
  const next = useSearchParam('next');
  const signup = useSignup();
  const fields = signup.error instanceof ApiError ? signup.error.fieldErrors() : new Map<string, string>();
  return (
    <AuthFrame
      title="Create your organization"
      footer={
        <>
          Already have an account?{' '}
          <Link to="/login" className="font-medium text-indigo-700 underline">
            Log in
          </Link>
        </>
      }
    >
      <form
        className="space-y-4"
        onSubmit={(event) => {
          const { email = '', password = '', organization_name = '', name = '' } = formValues(event);
          signup.mutate(
            { email, password, organization_name, ...(name ? { name } : {}) },
            { onSuccess: () => navigate(safeNext(next), { replace: true }) },
          );
        }}
      >
        <TextField
          label="Organization name"
          name="organization_name"
          required
          error={fields.get('/organization_name')}
        />
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
          minLength={8}
          required
          hint="At least 8 characters."
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
