import type { Alert } from '@datasync/contracts';
import { Envelope, WebhooksLogo } from '../../../components/icons';
import { LoadMore } from '../../../components/load-more';
import { TimeAgo } from '../../../components/time-text';
import { Badge, Card, Empty, ErrorState, Loading } from '../../../components/ui';
import { Link } from '../../../lib/router';
import { useAlerts } from '../api';
import { ALERT_TYPE_BADGES, sendStatusText } from '../labels';

/** What DataSync raised, newest first, and how each channel's send of it went (sites:read). */
export function RecentAlerts() {
  const alerts = useAlerts();
  return (
    <Card title="Recent alerts">
      {alerts.isPending ? (
        <Loading />
      ) : alerts.isError ? (
        <ErrorState error={alerts.error} retry={() => alerts.refetch()} />
      ) : alerts.data.length === 0 ? (
        <Empty>
          No alerts yet. A site that starts failing, recovers or is disabled raises one, as does a failed
          sync.
        </Empty>
      ) : (
        <>
          <div className="overflow-x-auto">
            <table className="w-full text-sm" aria-label="Recent alerts">
              <thead className="text-left text-xs text-slate-500 uppercase">
                <tr>
                  <th className="py-2">Type</th>
                  <th>About</th>
                  <th>Last error</th>
                  <th>Time</th>
                  <th>Sends</th>
                </tr>
              </thead>
              <tbody>
                {alerts.data.map((alert) => (
                  <AlertRow key={alert.id} alert={alert} />
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore query={alerts} />
        </>
      )}
    </Card>
  );
}

function AlertRow({ alert }: { alert: Alert }) {
  const { label, tone } = ALERT_TYPE_BADGES[alert.type];
  const { site, job } = alert.body;
  return (
    <tr className="border-t border-slate-100 align-top" data-type={alert.type}>
      <td className="py-2">
        <Badge tone={tone}>{label}</Badge>
      </td>
      <td>
        {site ? (
          <Link to={`/sites/${site.id}`} className="text-indigo-700 underline">
            {site.name}
          </Link>
        ) : job ? (
          <Link to={`/jobs/${job.id}`} className="text-indigo-700 underline">
            Job <span className="font-mono">{job.id.slice(0, 8)}</span>
          </Link>
        ) : (
          '—'
        )}
        {job && job.failed_sites.length > 0 && (
          <span className="block text-xs text-slate-500">
            {job.failed_sites.length} site(s) failed:{' '}
            {job.failed_sites.map((failed) => failed.name).join(', ')}
          </span>
        )}
      </td>
      <td className="text-xs text-red-700">{alert.body.last_error ?? '—'}</td>
      <td>
        <TimeAgo iso={alert.created_at} />
      </td>
      <td>
        {alert.sends.length === 0 ? (
          <span className="text-xs text-slate-500">no channel</span>
        ) : (
          <ul className="space-y-0.5 text-xs">
            {alert.sends.map((send, index) => {
              const SendIcon = send.channel_type === 'webhook' ? WebhooksLogo : Envelope;
              return (
                <li
                  key={send.channel_id ?? index}
                  className={`flex items-center gap-1 ${send.status === 'failed' ? 'text-red-700' : 'text-slate-700'}`}
                >
                  <SendIcon aria-hidden />
                  <span className="sr-only">{send.channel_type === 'webhook' ? 'Webhook' : 'Email'}: </span>
                  {sendStatusText(send)}
                </li>
              );
            })}
          </ul>
        )}
      </td>
    </tr>
  );
}
