import { lazy, Suspense, useEffect, type ComponentType } from 'react';
import { Layout } from './components/layout';
import { ErrorState, Loading } from './components/ui';
import { useMe } from './features/auth/api';
import { safeNext } from './features/auth/safe-next';
import { matchPath, navigate, usePathname } from './lib/router';

// Every page is its own chunk: the first load carries React, the query client, the shell and the current page only.
const LoginPage = lazy(() => import('./features/auth/components/login-page'));
const SignupPage = lazy(() => import('./features/auth/components/signup-page'));
const AcceptInvitePage = lazy(() => import('./features/auth/components/accept-invite-page'));

type Page = ComponentType<{ params: Record<string, string> }>;
const ROUTES: [string, React.LazyExoticComponent<Page>][] = [
  ['/', lazy(() => import('./features/dashboard/components/dashboard-page'))],
  ['/content', lazy(() => import('./features/content/components/content-page'))],
  ['/sites', lazy(() => import('./features/sites/components/sites-page'))],
  ['/sites/:id', lazy(() => import('./features/sites/components/site-page'))],
  ['/mappings', lazy(() => import('./features/mappings/components/mappings-page'))],
  ['/jobs', lazy(() => import('./features/jobs/components/jobs-page'))],
  ['/jobs/:id', lazy(() => import('./features/jobs/components/job-page'))],
  ['/members', lazy(() => import('./features/members/components/members-page'))],
  ['/settings/alerts', lazy(() => import('./features/alerts/components/alerts-page'))],
];
const PUBLIC_PATHS = ['/login', '/signup'];

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

export function App() {
  const pathname = usePathname();
  const me = useMe();

  if (me.isPending) return <Loading label="Loading DataSync…" />;
  if (me.isError) {
    return (
      <main className="p-6">
        <ErrorState error={me.error} retry={() => me.refetch()} />
      </main>
    );
  }
  if (pathname === '/accept-invite') {
    return (
      <Suspense fallback={<Loading />}>
        <AcceptInvitePage me={me.data} />
      </Suspense>
    );
  }
  if (PUBLIC_PATHS.includes(pathname)) {
    if (me.data) return <Redirect to={safeNext(new URLSearchParams(location.search).get('next'))} />;
    return (
      <Suspense fallback={<Loading />}>{pathname === '/login' ? <LoginPage /> : <SignupPage />}</Suspense>
    );
  }
  if (!me.data) return <Redirect to="/login" />;

  let page = <NotFound />;
  for (const [pattern, Component] of ROUTES) {
    const params = matchPath(pattern, pathname);
    if (params) {
      page = <Component key={pathname} params={params} />;
      break;
    }
  }
  return (
    <Layout me={me.data}>
      <Suspense fallback={<Loading />}>{page}</Suspense>
    </Layout>
  );
}

function NotFound() {
  return <p className="text-slate-600">This page does not exist.</p>;
}
