import type { Site } from '@datasync/contracts';
import { CopyButton } from '../../../components/copy-button';
import { Dialog } from '../../../components/dialog';
import { Badge, ErrorState, Loading } from '../../../components/ui';
import { dateTime } from '../../../lib/format';
import { useSitePreview } from '../api';

/** What the next sync would send the site, and how it differs from what the site last accepted. */
export function PreviewDialog({ site, onClose }: { site: Site; onClose: () => void }) {
  const preview = useSitePreview(site.id);
  return (
    <Dialog title={`Preview of ${site.name}`} onClose={onClose} wide>
      {preview.isPending ? (
        <Loading />
      ) : preview.isError ? (
        <ErrorState error={preview.error} retry={() => preview.refetch()} />
      ) : (
        <div className="space-y-4 text-sm">
          <p>
            {preview.data.up_to_date ? (
              <Badge tone="green">Up to date</Badge>
            ) : (
              <Badge tone="amber">Changes to send</Badge>
            )}{' '}
            The next sync sends {preview.data.item_count} item(s) as version {preview.data.next_version}.{' '}
            {preview.data.last_snapshot
              ? `Last accepted: version ${preview.data.last_snapshot.version}, ${dateTime(preview.data.last_snapshot.received_at)}.`
              : 'Nothing accepted yet.'}
          </p>
          <dl className="grid grid-cols-4 gap-2" aria-label="Diff">
            {(['added', 'changed', 'removed', 'unchanged'] as const).map((kind) => (
              <div key={kind} className="rounded bg-slate-50 p-2 text-center">
                <dt className="text-xs text-slate-500 uppercase">{kind}</dt>
                <dd className="text-lg font-semibold">{preview.data.diff[kind].length}</dd>
              </div>
            ))}
          </dl>
          <ul className="space-y-2">
            {preview.data.items.map((item) => {
              const change = (['added', 'changed'] as const).find((kind) =>
                preview.data.diff[kind].includes(item.id),
              );
              return (
                <li key={item.id} className="rounded ring-1 ring-slate-200">
                  <p className="flex items-center gap-2 border-b border-slate-100 px-2 py-1 font-medium">
                    {item.title} <Badge tone="slate">{item.mode}</Badge>
                    {change && <Badge tone="amber">{change}</Badge>}
                  </p>
                  <pre className="max-h-48 overflow-auto p-2 text-xs">
                    {JSON.stringify(item.data, null, 2)}
                  </pre>
                </li>
              );
            })}
          </ul>
          {preview.data.diff.removed.length > 0 && (
            <p className="text-amber-800">
              {preview.data.diff.removed.length} item(s) will be removed from the site.
            </p>
          )}
          <CopyButton text={JSON.stringify(preview.data.items, null, 2)} label="Copy payload items" />
        </div>
      )}
    </Dialog>
  );
}
