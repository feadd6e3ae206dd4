import type { Site, SiteWithSecret } from '@datasync/contracts';
import { useState } from 'react';
import { ArrowSquareOut, Plus } from '../../../components/icons';
import { SecretDialog } from '../../../components/secret-dialog';
import { Button, Card, Empty, ErrorState, Loading, PageHeader, StatusBadge } from '../../../components/ui';
import { dateTime, timeAgo } from '../../../lib/format';
import { Link, useSearchParam } from '../../../lib/router';
import { useCan } from '../../auth/api';
import { useDeleteSite, useRotateSecret, useSites } from '../api';
import { attentionReason, parseHealth } from '../health';
import { HealthBadge } from './health-badge';
import { HealthFilter } from './health-filter';
import { PreviewDialog } from './preview-dialog';
import { SiteForm } from './site-form';

const EMPTY_FILTERED = {
  failing: 'No site is failing.',
  disabled: 'No site is disabled.',
  healthy: 'No site is healthy.',
};

export default function SitesPage() {
  const canWrite = useCan('sites:write');
  const health = parseHealth(useSearchParam('health'));
  const sites = useSites({ health, pollWhileFailing: true });
  const [editing, setEditing] = useState<{ site: Site | null } | null>(null);
  const [previewing, setPreviewing] = useState<Site | null>(null);
  const [secret, setSecret] = useState<SiteWithSecret | null>(null);

  return (
    <>
      <PageHeader
        title="Sites"
        actions={
          canWrite && (
            <Button variant="primary" onClick={() => setEditing({ site: null })}>
              <Plus aria-hidden /> New site
            </Button>
          )
        }
      />
      <HealthFilter value={health} />
      {sites.isPending ? (
        <Loading />
      ) : sites.isError ? (
        <ErrorState error={sites.error} retry={() => sites.refetch()} />
      ) : sites.data.length === 0 ? (
        <Empty>
          {health
            ? EMPTY_FILTERED[health]
            : 'No sites yet. A site is a destination: a webhook URL and a signing secret.'}
        </Empty>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2" aria-label="Sites">
          {sites.data.map((site) => (
            <li key={site.id}>
              <SiteCard
                site={site}
                canWrite={canWrite}
                onEdit={() => setEditing({ site })}
                onPreview={() => setPreviewing(site)}
                onSecret={setSecret}
              />
            </li>
          ))}
        </ul>
      )}
      {editing && <SiteForm site={editing.site} onClose={() => setEditing(null)} onCreated={setSecret} />}
      {previewing && <PreviewDialog site={previewing} onClose={() => setPreviewing(null)} />}
      {secret && (
        <SecretDialog
          title={`Signing secret of ${secret.name}`}
          secret={secret.signing_secret}
          onClose={() => setSecret(null)}
        >
          Copy it now and give it to the site&apos;s receiver.
        </SecretDialog>
      )}
    </>
  );
}

function SiteCard({
  site,
  canWrite,
  onEdit,
  onPreview,
  onSecret,
}: {
  site: Site;
  canWrite: boolean;
  onEdit: () => void;
  onPreview: () => void;
  onSecret: (site: SiteWithSecret) => void;
}) {
  const rotate = useRotateSecret();
  const remove = useDeleteSite();
  return (
    <Card
      title={
        <Link to={`/sites/${site.id}`} className="text-indigo-700 hover:underline">
          {site.name}
        </Link>
      }
      actions={<HealthBadge health={site.health} />}
    >
      <dl className="grid grid-cols-[8rem_1fr] gap-y-1 text-sm">
        <dt className="text-slate-500">Slug</dt>
        <dd className="font-mono">{site.slug}</dd>
        <dt className="text-slate-500">Webhook URL</dt>
        <dd className="truncate font-mono text-xs" title={site.destination_url}>
          {site.destination_url}
        </dd>
        <dt className="text-slate-500">Last sync</dt>
        <dd className="flex items-center gap-2" data-testid="last-sync">
          {site.last_sync_status ? <StatusBadge status={site.last_sync_status} /> : <span>never</span>}
          {site.last_sync_at && <span title={dateTime(site.last_sync_at)}>{timeAgo(site.last_sync_at)}</span>}
        </dd>
        <dt className="text-slate-500">Version</dt>
        <dd>{site.current_version}</dd>
        <dt className="text-slate-500">Secret</dt>
        <dd className="font-mono text-xs">
          {site.signing_secret_hint ?? '—'}
          {site.secret_rotation && (
            <span className="ml-1 font-sans text-slate-500">
              (previous valid until {dateTime(site.secret_rotation.previous_expires_at)})
            </span>
          )}
        </dd>
      </dl>
      {site.health !== 'healthy' && <p className="mt-2 text-sm text-red-700">{attentionReason(site)}</p>}
      <div className="mt-3 flex flex-wrap gap-2">
        {site.public_url && (
          <a
            href={site.public_url}
            target="_blank"
            rel="noreferrer"
            className="inline-flex items-center gap-1 rounded-md px-3 py-1.5 text-sm font-medium text-indigo-700 ring-1 ring-indigo-200 hover:bg-indigo-50"
          >
            <ArrowSquareOut aria-hidden /> Open landing page<span className="sr-only"> of {site.name}</span>
          </a>
        )}
        <Button aria-label={`Preview ${site.name}`} onClick={onPreview}>
          Preview
        </Button>
        {canWrite && (
          <>
            <Button aria-label={`Edit ${site.name}`} onClick={onEdit}>
              Edit
            </Button>
            <Button
              aria-label={`Rotate secret of ${site.name}`}
              busy={rotate.isPending}
              onClick={() => {
                if (
                  confirm(`Rotate the signing secret of ${site.name}? The old one keeps working for a while.`)
                )
                  rotate.mutate(site.id, { onSuccess: onSecret });
              }}
            >
              Rotate secret
            </Button>
            <Button
              variant="danger"
              aria-label={`Delete ${site.name}`}
              busy={remove.isPending}
              onClick={() => {
                if (confirm(`Delete ${site.name}? Its mappings and history go with it.`))
                  remove.mutate(site.id);
              }}
            >
              Delete
            </Button>
          </>
        )}
      </div>
      {(rotate.error || remove.error) && (
        <div className="mt-2">
          <ErrorState error={rotate.error ?? remove.error} />
        </div>
      )}
    </Card>
  );
}
