import { CheckCircle } from '../../../components/icons';
import { TimeAgo, TimeUntil } from '../../../components/time-text';
import { Card, ErrorState, Loading } from '../../../components/ui';
import { Link } from '../../../lib/router';
import { useSites } from '../../sites/api';
import { HealthBadge } from '../../sites/components/health-badge';
import { EnableToggle, RedeliverButton } from '../../sites/components/site-actions';
import { attentionReason, needingAttention } from '../../sites/health';

/**
 * Failing and disabled sites, first thing on the dashboard: why, since when, when the next retry is, and what can
 * be done. One list of all sites, filtered here: the dashboard reads it anyway, so this costs no request.
 */
export function NeedsAttention() {
  const sites = useSites({ pollWhileFailing: true });
  if (sites.isPending) {
    return (
      <Card title="Needs attention" className="mb-6">
        <Loading />
      </Card>
    );
  }
  if (sites.isError) {
    return (
      <Card title="Needs attention" className="mb-6">
        <ErrorState error={sites.error} retry={() => sites.refetch()} />
      </Card>
    );
  }
  if (sites.data.length === 0) return null;
  const attention = needingAttention(sites.data);
  return (
    <Card title="Needs attention" className="mb-6">
      {attention.length === 0 ? (
        <p className="flex items-center gap-2 text-sm text-emerald-800">
          <CheckCircle aria-hidden weight="bold" /> All sites are healthy
        </p>
      ) : (
        <ul aria-label="Sites needing attention" className="divide-y divide-slate-100">
          {attention.map((site) => (
            <li
              key={site.id}
              data-site={site.slug}
              className="flex flex-wrap items-start justify-between gap-3 py-3"
            >
              <div className="min-w-0 flex-1 text-sm">
                <p className="flex flex-wrap items-center gap-2">
                  <Link to={`/sites/${site.id}`} className="font-medium text-indigo-700 underline">
                    {site.name}
                  </Link>
                  <HealthBadge health={site.health} />
                </p>
                <p className="mt-1 break-words text-red-700" data-testid="attention-reason">
                  {attentionReason(site)}
                </p>
                <p className="mt-1 text-xs text-slate-500">
                  {site.failing_since && (
                    <>
                      Failing since <TimeAgo iso={site.failing_since} />
                    </>
                  )}
                  {site.health === 'failing' && (
                    <>
                      {' · '}next retry <TimeUntil iso={site.next_attempt_at} none="none scheduled" />
                    </>
                  )}
                </p>
              </div>
              <div className="flex gap-2">
                <RedeliverButton site={site} />
                {site.health === 'disabled' && <EnableToggle site={site} />}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
