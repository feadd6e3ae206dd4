import type PgBoss from 'pg-boss';
import type { Tx } from '../db/types.js';
import { groupBy } from '../lib/group-by.js';
import { siteAlertBody, syncFailedBody, type FailedSite, type Named } from './alert-body.js';
import { enqueueAlertSends } from './alert-queue.js';
import {
  failedSitesOfJobs,
  findOrganization,
  insertAlertsWithSends,
  jobErrors,
  namedSites,
  type NewAlert,
} from './alerts.repo.js';

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
 * A handful of statements per organization whatever the number of events (an outage of 1,000 sites raises 1,000):
 * the organization, the sites, the jobs' failed deliveries, the alerts with their sends, the queue jobs.
 */
export async function raiseAlerts(tx: Tx, boss: PgBoss, events: AlertEvent[]): Promise<void> {
  for (const [organizationId, ofOrganization] of groupBy(events, (event) => event.organizationId)) {
    await raiseForOrganization(tx, boss, organizationId, ofOrganization);
  }
}

async function raiseForOrganization(
  tx: Tx,
  boss: PgBoss,
  organizationId: string,
  events: AlertEvent[],
): Promise<void> {
  const timestamp = new Date().toISOString();
  // The transaction's tenant is this organization: RLS shows its row and no other.
  const organization = (await findOrganization(tx, organizationId)) ?? {
    id: organizationId,
    slug: '',
    name: '',
  };
  const siteEvents = events.filter((event): event is SiteAlertEvent => event.type !== 'sync.failed');
  const jobEvents = events.filter((event): event is SyncFailedEvent => event.type === 'sync.failed');
  const siteIds = [...new Set(siteEvents.map((event) => event.siteId))];
  const jobIds = [...new Set(jobEvents.map((event) => event.jobId))];
  const sitesById = new Map((siteIds.length > 0 ? await namedSites(tx, siteIds) : []).map((s) => [s.id, s]));
  const failedByJob = groupBy(
    jobIds.length > 0 ? await failedSitesOfJobs(tx, jobIds) : [],
    (failed) => failed.jobId,
  );
  const jobErrorById = new Map(
    (jobIds.length > 0 ? await jobErrors(tx, jobIds) : []).map((job) => [job.id, job.error]),
  );

  const rows: NewAlert[] = [];
  for (const event of siteEvents) {
    const found = sitesById.get(event.siteId);
    // A site deleted in this very transaction keeps its id in the body; the row's reference would not hold.
    const site: Named = found ?? { id: event.siteId, slug: '', name: '' };
    rows.push({
      organizationId,
      type: event.type,
      siteId: found ? event.siteId : null,
      jobId: null,
      body: siteAlertBody({ type: event.type, timestamp, organization, site, lastError: event.lastError }),
    });
  }
  for (const event of jobEvents) {
    const failed: FailedSite[] = (failedByJob.get(event.jobId) ?? []).map(({ id, slug, name, error }) => ({
      id,
      slug,
      name,
      error,
    }));
    const lastError = jobErrorById.get(event.jobId) ?? failed.findLast((site) => site.error)?.error ?? null;
    rows.push({
      organizationId,
      type: 'sync.failed',
      siteId: null,
      jobId: jobErrorById.has(event.jobId) ? event.jobId : null,
      body: syncFailedBody({
        timestamp,
        organization,
        jobId: event.jobId,
        status: event.status,
        failedSites: [...failed].sort((a, b) => a.slug.localeCompare(b.slug)),
        lastError,
      }),
    });
  }
  if (rows.length === 0) return;
  const sends = await insertAlertsWithSends(tx, rows);
  await enqueueAlertSends(
    tx,
    boss,
    sends.map((send) => ({ orgId: send.organizationId, sendId: send.id, attempt: 0 })),
  );
}
