import type PgBoss from 'pg-boss';
import type { Tx } from '../db/types.js';

/** A change of a site's health, raised once, in the transaction that records it. */
export interface SiteAlertEvent {
  type: 'site.failing' | 'site.recovered' | 'site.disabled';
  organizationId: string;
  siteId: string;
  /** What the send that changed the state got; null for a recovery. */
  lastError: string | null;
}

/** A sync job that ended `failed` or `partial`. */
export interface SyncFailedEvent {
  type: 'sync.failed';
  organizationId: string;
  jobId: string;
  status: 'failed' | 'partial';
}

export type AlertEvent = SiteAlertEvent | SyncFailedEvent;

/**
 * Records the alerts of these events and queues one send per alert channel of their organization, inside the
 * caller's tenant transaction: an alert exists exactly when the state change that raised it committed.
 */
export async function raiseAlerts(_tx: Tx, _boss: PgBoss, _events: AlertEvent[]): Promise<void> {}
