import { LoadMore } from '../../../components/load-more';
import { TimeAgo, TimeUntil } from '../../../components/time-text';
import { Empty, ErrorState, Loading, StatusBadge } from '../../../components/ui';
import { Link } from '../../../lib/router';
import { useSiteDeliveries } from '../api';
import { deliveryTriggerLabel } from '../health';

/** What the site was sent, newest first: by its jobs and on its own (retries, redeliveries, on enabling). */
export function SiteDeliveries({ siteId, siteFailing }: { siteId: string; siteFailing: boolean }) {
  const deliveries = useSiteDeliveries(siteId, siteFailing);
  if (deliveries.isPending) return <Loading />;
  if (deliveries.isError) return <ErrorState error={deliveries.error} retry={() => deliveries.refetch()} />;
  if (deliveries.data.length === 0) return <Empty>Nothing was sent to this site yet.</Empty>;
  return (
    <>
      <div className="overflow-x-auto">
        <table className="w-full text-sm" aria-label="Recent deliveries">
          <thead className="text-left text-xs text-slate-500 uppercase">
            <tr>
              <th className="py-2">Version</th>
              <th>Status</th>
              <th>Sent by</th>
              <th>Attempts</th>
              <th>Response</th>
              <th>Error / next attempt</th>
              <th>Time</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.map((delivery) => (
              <tr key={delivery.id} className="border-t border-slate-100" data-status={delivery.status}>
                <td className="py-2">{delivery.version ?? '—'}</td>
                <td>
                  <StatusBadge status={delivery.status} />
                </td>
                <td>
                  {delivery.job_id ? (
                    <Link to={`/jobs/${delivery.job_id}`} className="text-indigo-700 underline">
                      Job <span className="font-mono">{delivery.job_id.slice(0, 8)}</span>
                    </Link>
                  ) : (
                    deliveryTriggerLabel(delivery)
                  )}
                </td>
                <td>{delivery.attempts}</td>
                <td>{delivery.response_code ?? '—'}</td>
                <td className="text-xs">
                  {delivery.error && <span className="text-red-700">{delivery.error}</span>}
                  {delivery.next_attempt_at && (
                    <span className="block text-slate-500">
                      next attempt <TimeUntil iso={delivery.next_attempt_at} />
                    </span>
                  )}
                </td>
                <td>
                  <TimeAgo iso={delivery.completed_at ?? delivery.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore query={deliveries} />
    </>
  );
}
