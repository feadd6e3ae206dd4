import type { Site } from '@datasync/contracts';
import { ArrowClockwise, Play, Prohibit } from '../../../components/icons';
import { toast } from '../../../components/toast';
import { Button, errorMessage } from '../../../components/ui';
import { useCan } from '../../auth/api';
import { useRedeliver, useSetSiteEnabled } from '../api';
import { redeliveryMessage } from '../health';

/**
 * Sends the site its latest payload now (sync:run); the toast says what happened. Not offered for a disabled site
 * nor for one no sync has planned a version for: there is nothing to send them.
 */
export function RedeliverButton({ site }: { site: Site }) {
  const canRun = useCan('sync:run');
  const redeliver = useRedeliver();
  if (!canRun || !site.enabled || site.current_version === 0) return null;
  return (
    <Button
      aria-label={`Redeliver ${site.name}`}
      busy={redeliver.isPending}
      onClick={() =>
        redeliver.mutate(site.id, {
          onSuccess: (result) => toast(redeliveryMessage(result, site.name), 'success'),
          onError: (error) => toast(`${site.name}: ${errorMessage(error)}`, 'error'),
        })
      }
    >
      <ArrowClockwise aria-hidden /> Redeliver
    </Button>
  );
}

/** Enables a disabled site (which sends it the latest payload) or disables one, after a confirmation (sites:write). */
export function EnableToggle({ site }: { site: Site }) {
  const canWrite = useCan('sites:write');
  const setEnabled = useSetSiteEnabled();
  if (!canWrite) return null;
  const enabling = !site.enabled;
  const question = enabling
    ? `Enable ${site.name}? DataSync sends it the latest payload at once.`
    : `Disable ${site.name}? DataSync sends it nothing until it is enabled again.`;
  return (
    <Button
      variant={enabling ? 'primary' : 'danger'}
      aria-label={`${enabling ? 'Enable' : 'Disable'} ${site.name}`}
      busy={setEnabled.isPending}
      onClick={() => {
        if (!confirm(question)) return;
        setEnabled.mutate(
          { id: site.id, enabled: enabling },
          {
            onSuccess: () => toast(`${site.name} is ${enabling ? 'enabled' : 'disabled'}`, 'success'),
            onError: (error) => toast(`${site.name}: ${errorMessage(error)}`, 'error'),
          },
        );
      }}
    >
      {enabling ? <Play aria-hidden /> : <Prohibit aria-hidden />} {enabling ? 'Enable' : 'Disable'}
    </Button>
  );
}
