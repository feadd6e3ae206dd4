import {
  ArrowsClockwise,
  Bell,
  FileText,
  Gauge,
  Globe,
  GridFour,
  ListChecks,
  SignOut,
  UsersThree,
  type Icon,
} from './icons';
import type { Me } from '@datasync/contracts';
import type { ReactNode } from 'react';
import { useLogout, useSwitchOrganization } from '../features/auth/api';
import { Link, navigate, usePathname } from '../lib/router';
import { Toaster } from './toast';
import { Badge, Button } from './ui';

const NAV: { to: string; label: string; icon: Icon; adminOnly?: boolean }[] = [
  { to: '/', label: 'Dashboard', icon: Gauge },
  { to: '/content', label: 'Content', icon: FileText },
  { to: '/sites', label: 'Sites', icon: Globe },
  { to: '/mappings', label: 'Mappings', icon: GridFour },
  { to: '/jobs', label: 'Jobs', icon: ListChecks },
  { to: '/members', label: 'Members & API keys', icon: UsersThree, adminOnly: true },
  { to: '/settings/alerts', label: 'Alerts', icon: Bell },
];

export function Layout({ me, children }: { me: Me; children: ReactNode }) {
  const pathname = usePathname();
  const logout = useLogout();
  const switchTo = useSwitchOrganization();
  const isAdmin = me.role === 'admin' || me.role === 'owner';
  const current = (to: string) => (to === '/' ? pathname === '/' : pathname.startsWith(to));
  return (
    <div className="min-h-screen md:flex">
      <nav
        aria-label="Main"
        className="border-b border-slate-200 bg-white md:min-h-screen md:w-56 md:border-r md:border-b-0"
      >
        <p className="flex items-center gap-2 px-4 py-4 text-lg font-semibold text-indigo-700">
          <ArrowsClockwise weight="bold" aria-hidden /> DataSync
        </p>
        <ul className="flex flex-wrap gap-1 px-2 pb-2 md:flex-col">
          {NAV.filter((item) => !item.adminOnly || isAdmin).map(({ to, label, icon: ItemIcon }) => (
            <li key={to}>
              <Link
                to={to}
                aria-current={current(to) ? 'page' : undefined}
                className="flex items-center gap-2 rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-700"
              >
                <ItemIcon aria-hidden /> {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="flex-1">
        <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 bg-white px-6 py-3">
          <div className="flex items-center gap-2">
            <span className="font-semibold" data-testid="organization-name">
              {me.organization.name}
            </span>
            {me.organizations.length > 1 && (
              <select
                aria-label="Switch organization"
                className="rounded-md text-sm ring-1 ring-slate-300"
                value={me.organization.id}
                onChange={(event) => switchTo(event.target.value)}
              >
                {me.organizations.map((organization) => (
                  <option key={organization.id} value={organization.id}>
                    {organization.name} ({organization.role})
                  </option>
                ))}
              </select>
            )}
            <Badge tone="violet">
              <span className="sr-only">Your role: </span>
              <span data-testid="role">{me.role}</span>
            </Badge>
          </div>
          <div className="flex items-center gap-3 text-sm text-slate-600">
            {me.user && <span>{me.user.email}</span>}
            <Button
              variant="ghost"
              busy={logout.isPending}
              onClick={() =>
                logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) })
              }
            >
              <SignOut aria-hidden /> Log out
            </Button>
          </div>
        </header>
        <main className="mx-auto max-w-6xl p-6">{children}</main>
      </div>
      <Toaster />
    </div>
  );
}
