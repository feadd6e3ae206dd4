import type { JobSite } from '@datasync/contracts';
import { Card } from '../../../components/ui';
import { Link } from '../../../lib/router';
import { useSites } from '../../sites/api';

/**
 * The sites this job could not deliver to. The job is over; each site retries on its own, unless it was disabled
 * (410 Gone, or days without success): what happens next is on the site's page.
 */
export function FailedSites({ sites }: { sites: JobSite[] }) {
  const disabled = useSites({ health: 'disabled' });
  const isDisabled = (id: string) => disabled.data?.find((site) => site.id === id)?.health === 'disabled';
  return (
    <Card title="Failed sites" className="mb-6">
      <ul aria-label="Failed sites" className="space-y-2 text-sm">
        {sites.map((site) => (
          <li key={site.delivery_id} data-site={site.site_slug}>
            <Link to={`/sites/${site.site_id}`} className="font-medium text-indigo-700 underline">
              {site.site_name}
            </Link>
            <span className="text-red-700">
              : {site.error ?? (site.response_code ? `HTTP ${site.response_code}` : 'not accepted')}
            </span>
            {' — '}
            <Link to={`/sites/${site.site_id}`} className="text-indigo-700 underline">
              {isDisabled(site.site_id) ? 'disabled — see the site' : 'retries on its own — see the site'}
              <span className="sr-only"> {site.site_name}</span>
            </Link>
          </li>
        ))}
      </ul>
    </Card>
  );
}
