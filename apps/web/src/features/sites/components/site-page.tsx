import type { Site } from '@datasync/contracts';
import type { ReactNode } from 'react';
import { TimeAgo, TimeUntil } from '../../../components/time-text';
import { Card, ErrorState, Loading, PageHeader } from '../../../components/ui';
import { Link } from '../../../lib/router';
import { useSite } from '../api';
import { HealthBadge } from './health-badge';
import { EnableToggle, RedeliverButton } from './site-actions';
import { SiteDeliveries } from './site-deliveries';

/** One site: its delivery health, what can be done about it, and what it was sent. */
export default function SitePage({ params }: { params: Record<string, string> }) {
  const site = useSite(params.id!);
  if (site.isPending) return <Loading />;
  if (site.isError) return <ErrorState error={site.error} retry={() => site.refetch()} />;
  const data = site.data;
  return (
    <>
      <PageHeader
        title={data.name}
        actions={
          <>
            <Link to="/sites" className="self-center text-sm text-indigo-700 underline">
              All sites
            </Link>
            <RedeliverButton site={data} />
            <EnableToggle site={data} />
          </>
        }
      />
      <HealthPanel site={data} />
      <Card title="Recent deliveries" className="mt-6">
        <SiteDeliveries siteId={data.id} siteFailing={data.health === 'failing'} />
      </Card>
    </>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-slate-500">{label}</dt>
      <dd data-testid={`site-${label.toLowerCase().replace(/ /g, '-')}`}>{children}</dd>
    </>
  );
}

function HealthPanel({ site }: { site: Site }) {
  return (
    <Card title="Health" actions={<HealthBadge health={site.health} />}>
      <dl className="grid grid-cols-[10rem_1fr] gap-y-1 text-sm">
        {site.health === 'disabled' && (
          <Fact label="Disabled because">{site.disabled_reason ?? 'Disabled by an admin.'}</Fact>
        )}
        <Fact label="Failing since">{site.failing_since ? <TimeAgo iso={site.failing_since} /> : '—'}</Fact>
        <Fact label="Consecutive failures">{site.consecutive_failures}</Fact>
        <Fact label="Last error">
          {site.last_error ? <span className="text-red-700">{site.last_error}</span> : '—'}
        </Fact>
        <Fact label="Next attempt">
          <TimeUntil iso={site.next_attempt_at} none="none scheduled" />
        </Fact>
        <Fact label="Last success">
          <TimeAgo iso={site.last_success_at} />
        </Fact>
        <Fact label="Current version">{site.current_version}</Fact>
        <Fact label="Webhook URL">
          <span className="font-mono text-xs break-all">{site.destination_url}</span>
        </Fact>
      </dl>
    </Card>
  );
}
