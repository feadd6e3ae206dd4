import type { Me } from '@datasync/contracts';
import { Button, ErrorState } from '../../../components/ui';
import { Link, navigate, useSearchParam } from '../../../lib/router';
import { useAcceptInvitation } from '../api';
import { AuthFrame } from './auth-form';

/**
 * Where an invitation link leads. Signed out: sign up with the invitation (which joins at once) or log in first
 * (the token comes along); signed in: accept, and the UI switches to the organization that invited you.
 */
export default function AcceptInvitePage({ me }: { me: Me | null }) {
  const token = useSearchParam('token') ?? '';
  const accept = useAcceptInvitation();
  const back = `/accept-invite?token=${encodeURIComponent(token)}`;
  return (
    <AuthFrame
      title="Join an organization"
      footer={
        <Link to="/" className="underline">
          Back to DataSync
        </Link>
      }
    >
      {!token ? (
        <ErrorState error={new Error('This invitation link has no token.')} />
      ) : !me ? (
        <div className="space-y-3 text-sm">
          <p>
            You have been invited to an organization on DataSync. Sign up to join it, or log in to accept with
            an account you already have.
          </p>
          <div className="flex gap-2">
            <Link
              to={`/signup?invitation=${encodeURIComponent(token)}`}
              className="rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white"
            >
              Sign up
            </Link>
            <Link
              to={`/login?next=${encodeURIComponent(back)}`}
              className="rounded-md px-3 py-1.5 font-medium ring-1 ring-slate-300"
            >
              Log in
            </Link>
          </div>
        </div>
      ) : (
        <div className="space-y-3 text-sm">
          <p>Signed in as {me.user?.email}.</p>
          {accept.error && <ErrorState error={accept.error} />}
          <Button
            variant="primary"
            busy={accept.isPending}
            onClick={() => accept.mutate(token, { onSuccess: () => navigate('/', { replace: true }) })}
          >
            Accept invitation
          </Button>
        </div>
      )}
    </AuthFrame>
  );
}
