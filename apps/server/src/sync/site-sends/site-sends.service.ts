import type { Page, Redelivery, SiteDelivery } from '@datasync/contracts';
import type PgBoss from 'pg-boss';
import { scopeOf, type Principal } from '../../access/principal.js';
import type { AppDeps } from '../../app-deps.js';
import { recordAudit } from '../../audit/audit.repo.js';
import type { SiteDeliveryTrigger } from '../../db/schema/sync.js';
import { withTenant } from '../../db/tenant.js';
import type { AppDb, Tx } from '../../db/types.js';
import { toPage } from '../../http/pagination.js';
import { conflict, notFound } from '../../http/problem.js';
import { findSite } from '../../sites/index.js';
import { enqueueDeliveries } from '../queue/sync-queue.js';
import { insertSiteDelivery, latestPlannedPayload } from './site-deliveries.repo.js';
import { acceptedVersion, clearNextAttempt, listSiteDeliveries } from './site-sends.repo.js';

/** The sends a person asks for: a redelivery, or the send on re-enabling a site. */
export type RequestedSendTrigger = Extract<SiteDeliveryTrigger, 'redeliver' | 'enable'>;

/**
 * Inside the caller's tenant transaction, with the site's row locked: when the site has not accepted the newest
 * payload planned for it, sends that payload now, as an own send due at once. Inserting it supersedes the site's
 * pending own send, a durable retry among them, so the retry's backoff is skipped and its delayed queue job finds
 * nothing to do. The queue job and the workers' wake-up commit with the row. Answers null when nothing was ever
 * planned for the site (no sync reached it yet).
 */
export async function sendLatestPayload(
  tx: Tx,
  boss: PgBoss,
  siteId: string,
  trigger: RequestedSendTrigger,
): Promise<Redelivery | null> {
  const latest = await latestPlannedPayload(tx, siteId);
  if (!latest) return null;
  const accepted = await acceptedVersion(tx, siteId);
  if (accepted !== null && accepted >= latest.version)
    return { status: 'up_to_date', version: accepted, delivery_id: null };
  const deliveryId = await insertSiteDelivery(tx, latest, trigger, new Date().toISOString());
  await clearNextAttempt(tx, siteId);
  await enqueueDeliveries(tx, boss, [{ deliveryId, orgId: latest.organizationId, retry: 0 }]);
  return { status: 'queued', version: latest.version, delivery_id: deliveryId };
}

/**
 * POST /api/v1/sites/:id/redeliver: the site's latest payload, sent now whatever its backoff; `up_to_date` (and
 * nothing changed) when the site already accepted it. Refused (409) for a disabled site and for one no sync planned.
 */
export async function redeliverSite(
  deps: Pick<AppDeps, 'db' | 'queue'>,
  principal: Principal,
  siteId: string,
): Promise<Redelivery> {
  const result = await withTenant(deps.db, scopeOf(principal), async (tx) => {
    // Locked, so two redeliveries of one site queue up: the second then supersedes the first's pending send.
    const site = await findSite(tx, siteId, { forUpdate: true });
    if (!site) throw notFound('site');
    if (!site.enabled) throw conflict('The site is disabled; enable it first.');
    const sent = await sendLatestPayload(tx, deps.queue.boss, site.id, 'redeliver');
    if (!sent) throw conflict('Nothing to redeliver: run a sync first.');
    if (sent.status === 'queued')
      await recordAudit(tx, principal, {
        action: 'site.redeliver',
        entityType: 'site',
        entityId: site.id,
        after: sent,
      });
    return sent;
  });
  if (result.status === 'queued') deps.queue.wake('deliveries');
  return result;
}

function toSiteDelivery(row: Awaited<ReturnType<typeof listSiteDeliveries>>[number]): SiteDelivery {
  return {
    id: row.id,
    job_id: row.jobId,
    trigger: row.trigger,
    version: row.version,
    status: row.status,
    attempts: row.attempts,
    response_code: row.responseCode,
    error: row.error,
    next_attempt_at: row.nextAttemptAt,
    created_at: row.createdAt,
    completed_at: row.completedAt,
  };
}

/** GET /api/v1/sites/:id/deliveries: the site's deliveries of every job and its own sends, newest first. */
export async function getSiteDeliveries(
  db: AppDb,
  principal: Principal,
  siteId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<SiteDelivery>> {
  const rows = await withTenant(db, scopeOf(principal), async (tx) => {
    if (!(await findSite(tx, siteId))) throw notFound('site');
    return listSiteDeliveries(tx, siteId, page);
  });
  return toPage(rows, page.limit, toSiteDelivery);
}
