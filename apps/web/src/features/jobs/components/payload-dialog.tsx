import type { JobSite } from '@datasync/contracts';
import { CopyButton } from '../../../components/copy-button';
import { Dialog } from '../../../components/dialog';
import { ErrorState, Loading } from '../../../components/ui';
import { useDeliveryPayload } from '../api';

/** The webhook body a delivery carried, exactly as it was signed and sent (or, not sent yet, as it will be). */
export function PayloadDialog({ delivery, onClose }: { delivery: JobSite; onClose: () => void }) {
  const payload = useDeliveryPayload(delivery.delivery_id);
  const title = `Payload to ${delivery.site_name}${delivery.version ? `, version ${delivery.version}` : ''}`;
  let body;
  if (payload.isPending) body = <Loading />;
  else if (payload.isError) body = <ErrorState error={payload.error} retry={() => payload.refetch()} />;
  else {
    const text = JSON.stringify(payload.data.payload, null, 2);
    body = (
      <div className="space-y-2">
        <div className="flex items-center justify-between gap-2 text-sm text-slate-600">
          <span>
            {payload.data.item_count} item(s), {payload.data.status.replace('_', ' ')}
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
