import { PageHeader } from '../../../components/ui';
import { useCan } from '../../auth/api';
import { Channels } from './channels';
import { RecentAlerts } from './recent-alerts';

/** Alert settings: admins manage where alerts go; everyone sees the alerts raised. */
export default function AlertsPage() {
  const canManage = useCan('alerts:manage');
  return (
    <>
      <PageHeader title="Alerts" />
      {canManage && <Channels />}
      <RecentAlerts />
    </>
  );
}
