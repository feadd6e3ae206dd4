import type { ReactNode } from 'react';
import { Database } from '../../../components/icons';
import { Button, Card, Empty, ErrorState, Loading, PageHeader, StatusBadge } from '../../../components/ui';
import { dateTime, timeAgo } from '../../../lib/format';
import { Link } from '../../../lib/router';
import { useCan } from '../../auth/api';
import { useContentItems, useContentTypes } from '../../content/api';
import { useJobs } from '../../jobs/api';
import { JobTable } from '../../jobs/components/job-list';
import { RunSyncButton } from '../../jobs/components/run-sync-button';
import { useSites } from '../../sites/api';
import { useLoadDemo } from '../api';
import { NeedsAttention } from './needs-attention';

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <section aria-label={label} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <h2 className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</h2>
      <div className="mt-2">{children}</div>
    </section>
  );
}

export default function DashboardPage() {
  return (
    <>
      <PageHeader title="Dashboard" actions={<RunSyncButton />} />
      <NeedsAttention />
      <Overview />
    </>
  );
}

function Overview() {
  const items = useContentItems();
  const types = useContentTypes();
  const sites = useSites();
  const jobs = useJobs(5);
  const canLoadDemo = useCan('organization:manage');

  const pending = items.isPending || types.isPending || sites.isPending || jobs.isPending;
  const error = items.error ?? types.error ?? sites.error ?? jobs.error;
  if (pending) return <Loading />;
  if (error)
    return (
      <ErrorState
        error={error}
        retry={() => Promise.all([items.refetch(), types.refetch(), sites.refetch(), jobs.refetch()])}
      />
    );

  const isEmpty = items.data!.length === 0 && types.data!.length === 0 && sites.data!.length === 0;
  const count = (status: string) => items.data!.filter((item) => item.status === status).length;
  const lastJob = jobs.data![0];

  return (
    <>
      {isEmpty && <DemoCallout canLoad={canLoadDemo} />}
      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label="Content items">
          <p className="text-2xl font-semibold">{items.data!.length}</p>
          <p className="text-sm text-slate-600">
            <span data-testid="published-count">{count('published')}</span> published ·{' '}
            <span data-testid="draft-count">{count('draft')}</span> draft · {count('archived')} archived
          </p>
        </Stat>
        <Stat label="Sites">
          <p className="text-2xl font-semibold">{sites.data!.length}</p>
          <p className="text-sm text-slate-600">
            {sites.data!.filter((site) => site.enabled).length} enabled
          </p>
        </Stat>
        <Stat label="Last sync">
          {lastJob ? (
            <>
              <StatusBadge status={lastJob.status} />
              <p className="mt-1 text-sm text-slate-600" title={dateTime(lastJob.created_at)}>
                {timeAgo(lastJob.completed_at ?? lastJob.created_at)}
              </p>
            </>
          ) : (
            <p className="text-sm text-slate-600">Never synced</p>
          )}
        </Stat>
      </div>
      <Card
        title="Recent jobs"
        className="mt-6"
        actions={
          <Link to="/jobs" className="text-sm text-indigo-700 underline">
            All jobs
          </Link>
        }
      >
        {jobs.data!.length === 0 ? (
          <Empty>No sync has run yet.</Empty>
        ) : (
          <JobTable jobs={jobs.data!} label="Recent jobs" />
        )}
      </Card>
    </>
  );
}

function DemoCallout({ canLoad }: { canLoad: boolean }) {
  const load = useLoadDemo();
  return (
    <Card className="mb-6 border-l-4 border-indigo-500">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <p className="font-medium">This organization is empty.</p>
          <p className="text-sm text-slate-600">
            The demo loads two content types, four items (three published, one draft), three campaign sites
            and their mappings.
          </p>
        </div>
        {canLoad ? (
          <Button variant="primary" busy={load.isPending} onClick={() => load.mutate()}>
            <Database aria-hidden /> Load Demo Data
          </Button>
        ) : (
          <p className="text-sm text-slate-500">Only the owner can load the demo data.</p>
        )}
      </div>
      {load.error && (
        <div className="mt-3">
          <ErrorState error={load.error} />
        </div>
      )}
    </Card>
  );
}
