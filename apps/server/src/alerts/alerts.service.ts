import type { Alert, Page } from '@datasync/contracts';
import type { AppDeps } from '../app-deps.js';
import { scopeOf, type Principal } from '../access/principal.js';
import { withTenant } from '../db/tenant.js';
import { groupBy } from '../lib/group-by.js';
import { toPage } from '../http/pagination.js';
import { toAlert } from './alert-views.js';
import { listAlerts, sendsOfAlerts } from './alerts.repo.js';

/** The organization's alerts, newest first, each with its sends. */
export async function getAlerts(
  deps: Pick<AppDeps, 'db' | 'config'>,
  principal: Principal,
  page: { limit: number; cursor?: string },
): Promise<Page<Alert>> {
  const { rows, sends } = await withTenant(deps.db, scopeOf(principal), async (tx) => {
    const rows = await listAlerts(tx, page);
    const sends = await sendsOfAlerts(
      tx,
      rows.slice(0, page.limit).map((row) => row.id),
    );
    return { rows, sends };
  });
  const sendsByAlert = groupBy(sends, (send) => send.alertId);
  return toPage(rows, page.limit, (row) =>
    toAlert(row, sendsByAlert.get(row.id) ?? [], deps.config.publicUrl),
  );
}
