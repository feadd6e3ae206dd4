import type { JobSite } from '@datasync/contracts';
import { useState } from 'react';
import { ArrowClockwise, Broadcast } from '../../../components/icons';
import { Badge, Button, Card, ErrorState, Loading, PageHeader, StatusBadge } from '../../../components/ui';
import { dateTime, duration } from '../../../lib/format';
import { Link, navigate } from '../../../lib/router';
import { useCan } from '../../auth/api';
import { isFinished, useJob, useRetryJob } from '../api';
import { useJobLog, type StreamState } from '../use-job-stream';
import { FailedSites } from './failed-sites';
import { JobCounts } from './job-counts';
import { JobLogView } from './job-log';
import { PayloadDialog } from './payload-dialog';

export default function JobPage({ params }: { params: Record<string, string> }) {
  const id = params.id!;
  const job = useJob(id);
  const { logs, state, error: logError } = useJobLog(id, job.data?.status);
  const canRun = useCan('sync:run');
  const retry = useRetryJob();
  const [payloadOf, setPayloadOf] = useState<JobSite | null>(null);

  if (job.isPending) return <Loading />;
  if (job.isError) return <ErrorState error={job.error} retry={() => job.refetch()} />;
  const data = job.data;
  const running = !isFinished(data.status);
  const failedSites = data.sites.filter((site) => site.status === 'failed');

  return (
    <>
      <PageHeader
        title={`Job ${data.id.slice(0, 8)}`}
        actions={
          <>
            <Link to="/jobs" className="self-center text-sm text-indigo-700 underline">
              All jobs
            </Link>
            {canRun && !running && data.counts.failed > 0 && (
              <Button
                busy={retry.isPending}
                onClick={() => retry.mutate(data.id, { onSuccess: (next) => navigate(`/jobs/${next.id}`) })}
              >
                <ArrowClockwise aria-hidden /> Retry failed sites
              </Button>
            )}
          </>
        }
      />
      <div className="mb-4 flex flex-wrap items-center gap-3 text-sm">
        <span data-testid="job-status">
          <StatusBadge status={data.status} />
        </span>
        {running && <LiveIndicator state={state} />}
        <span className="text-slate-600">
          {data.trigger}
          {data.force ? ', forced' : ''} · created {dateTime(data.created_at)} · duration{' '}
          {duration(data.started_at, data.completed_at)}
        </span>
        {data.error && <span className="text-red-700">{data.error}</span>}
      </div>
      {retry.error && <ErrorState error={retry.error} />}
      <JobCounts counts={data.counts} />
      {!running && failedSites.length > 0 && <FailedSites sites={failedSites} />}
      <Card title="Sites" className="mb-6">
        <div className="overflow-x-auto">
          <table className="w-full text-sm" aria-label="Deliveries">
            <thead className="text-left text-xs text-slate-500 uppercase">
              <tr>
                <th className="py-2">Site</th>
                <th>Status</th>
                <th>Attempts</th>
                <th>Version</th>
                <th>Items</th>
                <th>Response</th>
                <th>Error / next attempt</th>
                <th className="sr-only">Payload</th>
              </tr>
            </thead>
            <tbody>
              {data.sites.map((site) => (
                <tr key={site.delivery_id} className="border-t border-slate-100" data-site={site.site_slug}>
                  <td className="py-2 font-medium">
                    <Link to={`/sites/${site.site_id}`} className="text-indigo-700 hover:underline">
                      {site.site_name}
                    </Link>
                  </td>
                  <td>
                    <StatusBadge status={site.status} />
                  </td>
                  <td>
                    {site.attempts > 1 ? <Badge tone="amber">{site.attempts} attempts</Badge> : site.attempts}
                  </td>
                  <td>{site.version ?? '—'}</td>
                  <td>{site.item_count ?? '—'}</td>
                  <td>
                    {site.response_code ?? '—'}
                    {site.latency_ms !== null && (
                      <span className="text-slate-500"> · {site.latency_ms} ms</span>
                    )}
                  </td>
                  <td className="text-xs">
                    {site.error && <span className="text-red-700">{site.error}</span>}
                    {site.next_attempt_at && (
                      <span className="block text-slate-500">
                        next attempt {dateTime(site.next_attempt_at)}
                      </span>
                    )}
                  </td>
                  <td className="text-right">
                    {site.version !== null && site.status !== 'up_to_date' && (
                      <Button aria-label={`Payload to ${site.site_name}`} onClick={() => setPayloadOf(site)}>
                        Payload
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
              {data.sites.length === 0 && (
                <tr>
                  <td colSpan={8} className="py-2 text-slate-500">
                    {running ? 'Planning…' : 'No site was part of this job.'}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </Card>
      <Card title="Log">
        {logError ? <ErrorState error={logError} /> : <JobLogView logs={logs} follow={running} />}
      </Card>
      {payloadOf && <PayloadDialog delivery={payloadOf} onClose={() => setPayloadOf(null)} />}
    </>
  );
}

function LiveIndicator({ state }: { state: StreamState }) {
  if (state === 'live') {
    return (
      <span
        role="status"
        className="inline-flex items-center gap-1 rounded-full bg-red-600 px-2 py-0.5 text-xs font-bold text-white"
      >
        <Broadcast aria-hidden className="animate-pulse" /> LIVE STREAMING
      </span>
    );
  }
  const label =
    state === 'reconnecting' ? 'Reconnecting…' : state === 'connecting' ? 'Connecting…' : 'Stream closed';
  return (
    <span role="status" className="text-xs text-slate-500">
      {label}
    </span>
  );
}
