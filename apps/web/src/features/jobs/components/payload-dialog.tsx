import type { JobSite } from '@datasync/contracts';
import { CopyButton } from '../../../components/copy-button';
import { Dialog } from '../../../components/dialog';
import { ErrorState, Loading } from '../../../components/ui';
import { dateTime } from '../../../lib/format';
import { useSiteSnapshot } from '../../sites/api';

/**
 * The webhook body a delivery carried. DataSync keeps the payload each site last accepted (its snapshot); a
 * delivery's own is that snapshot while the site has accepted nothing newer.
 */
export function PayloadDialog({ delivery, onClose }: { delivery: JobSite; onClose: () => void }) {
  const snapshot = useSiteSnapshot(delivery.site_id);
  const title = `Payload to ${delivery.site_name}${delivery.version ? `, version ${delivery.version}` : ''}`;
  let body;
  if (snapshot.isPending) body = <Loading />;
  else if (snapshot.isError) body = <ErrorState error={snapshot.error} retry={() => snapshot.refetch()} />;
  else if (!snapshot.data)
    body = <p className="text-sm text-slate-600">The site has not accepted a payload yet.</p>;
  else if (snapshot.data.version !== delivery.version) {
    body = (
      <p className="text-sm text-slate-600">
        {delivery.site_name} has since accepted version {snapshot.data.version}; DataSync keeps only the
        payload a site last accepted. Open the latest job for that site to see it.
      </p>
    );
  } else {
    const text = JSON.stringify(snapshot.data.payload, null, 2);
    body = (
      <div className="space-y-2">
        <div className="flex items-center justify-between gap-2 text-sm text-slate-600">
          <span>
            {snapshot.data.item_count} item(s), accepted {dateTime(snapshot.data.received_at)}
          </span>
          <CopyButton text={text} label="Copy payload" />
        </div>
        <pre data-testid="payload" className="max-h-[60vh] overflow-auto rounded bg-slate-50 p-3 text-xs">
          {text}
        </pre>
      </div>
    );
  }
  return (
    <Dialog title={title} onClose={onClose} wide>
      {body}
    </Dialog>
  );
}
