import type { Principal } from '../../access/principal.js';
import type { PublishListener } from '../../content/publish-listener.js';
import type { Tx } from '../../db/types.js';
import { enqueuePlan } from '../queue/sync-queue.js';
import type { SyncQueue } from './sync-jobs.service.js';
import { findQueuedPublishJob, insertSyncJob, sitesReceivingItem, setJobSites } from './sync-jobs.repo.js';

/** Publishing several items in a row makes one sync: the job waits this long before it is planned. */
export const PUBLISH_COALESCE_SECONDS = 1;

/** Content's publish listener: each change to published content schedules a sync of the sites that receive it. */
export function publishTrigger(queue: SyncQueue): PublishListener {
  return {
    publishedItemChanged: (tx, principal, itemId) => schedulePublishSync(tx, queue, principal, itemId),
  };
}

/**
 * Schedules a sync of the sites that receive an item, because it was published, changed while published,
 * unpublished, archived or deleted while published. Runs in the caller's transaction: the job exists only if the
 * change commits. Changes within the coalescing window join the queued publish job (its site list grows) instead
 * of creating one job each; the planner locks the same row, so a site added here is either planned or waits for
 * the next job, never lost.
 */
export async function schedulePublishSync(
  tx: Tx,
  queue: SyncQueue,
  principal: Principal,
  itemId: string,
): Promise<void> {
  const siteIds = await sitesReceivingItem(tx, itemId);
  if (siteIds.length === 0) return;
  const queued = await findQueuedPublishJob(tx);
  if (queued) {
    const merged = [...new Set([...(queued.siteIds ?? []), ...siteIds])];
    if (merged.length !== (queued.siteIds ?? []).length) await setJobSites(tx, queued.id, merged);
    return;
  }
  const job = await insertSyncJob(tx, {
    organizationId: principal.orgId,
    trigger: 'publish',
    force: false,
    siteIds,
    createdBy: principal.userId,
    apiKeyId: principal.apiKeyId,
  });
  await enqueuePlan(tx, queue.boss, { jobId: job.id, orgId: principal.orgId }, PUBLISH_COALESCE_SECONDS);
}
