import { Link, navigate, useSearchParam } from '../../../lib/router';
import { Button, ErrorState, TextField } from '../../../components/ui';
import { useLogin } from '../api';
import { AuthFrame, formValues, safeNext } from './auth-form';

export default function LoginPage() {
  const next = useSearchParam('next');
  const login = useLogin();
  return (
    <AuthFrame
      title="Log in"
      footer={
        <>
          No account yet?{' '}
          <Link to="/signup" className="font-medium text-indigo-700 underline">
            Sign up
          </Link>
        </>
      }
    >
      <form
        className="space-y-4"
        onSubmit={(event) => {
          const { email = '', password = '' } = formValues(event);
          login.mutate({ email, password }, { onSuccess: () => navigate(safeNext(next), { replace: true }) });
        }}
      >
        <TextField label="Email" name="email" type="email" autoComplete="email" required />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
        />
        {login.error && <ErrorState error={login.error} />}
        <Button type="submit" variant="primary" busy={login.isPending} className="w-full">
          Log in
        </Button>
      </form>
    </AuthFrame>
  );
}
