import type { PayloadItem, SitePreview } from '@datasync/contracts';
import { scopeOf, type Principal } from '../../access/principal.js';
import { withTenant } from '../../db/tenant.js';
import type { AppDb } from '../../db/types.js';
import { notFound } from '../../http/problem.js';
import { diffItems, hashItems, planSiteItems } from '../plan/plan.js';
import { findSite } from '../../sites/index.js';
import { loadSitePlanInputs } from '../plan/plan.repo.js';
import { findSnapshotBySite } from '../jobs/sync-jobs.repo.js';

/** The items of a stored snapshot: the webhook body it recorded carries them at data.items. */
function snapshotItems(payload: unknown): PayloadItem[] {
  const items = (payload as { data?: { items?: unknown } } | null)?.data?.items;
  return Array.isArray(items) ? (items as PayloadItem[]) : [];
}

/** Exactly the items the next sync would send the site, with the diff against its last accepted snapshot. */
export function previewSite(db: AppDb, principal: Principal, siteId: string): Promise<SitePreview> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const site = await findSite(tx, siteId);
    if (!site) throw notFound('site');
    const { items, mappings } = await loadSitePlanInputs(tx, siteId);
    const planned = planSiteItems(items, mappings);
    const hash = hashItems(planned);
    const snapshot = await findSnapshotBySite(tx, siteId);
    return {
      site: { id: site.id, slug: site.slug, name: site.name },
      items: planned,
      item_count: planned.length,
      payload_hash: hash,
      next_version: site.currentVersion + 1,
      up_to_date: snapshot?.payloadHash === hash,
      last_snapshot: snapshot
        ? {
            version: snapshot.version,
            payload_hash: snapshot.payloadHash,
            item_count: snapshot.itemCount,
            received_at: snapshot.receivedAt,
          }
        : null,
      diff: diffItems(snapshotItems(snapshot?.payload ?? null), planned),
    };
  });
}
