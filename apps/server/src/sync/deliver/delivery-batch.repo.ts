import { and, inArray, sql } from 'drizzle-orm';
import { deliveries, payloads, sites } from '../../db/schema/index.js';
import { hexArray, uuidArray } from '../../db/sql-arrays.js';
import type { Tx } from '../../db/types.js';
import type { DeliveryRow } from '../jobs/sync-jobs.repo.js';

// The delivery path's statements, each covering a whole batch of deliveries: claiming 64 deliveries or recording
// 200 successes costs a few statements, not a few per delivery.

/**
 * Reads the deliveries still worth sending (`pending`, or `in_progress`, left in rows by engines that marked
 * their claims). Superseded or finished ones, and duplicate queue entries for them, are left out: nothing to send. A read,
 * not an update: the queue job handed to this worker is what makes the send its own (pg-boss gives a job to one
 * worker at a time), and marking each row `in_progress` would cost a new row version with five index entries per
 * delivery without keeping anyone from sending (decision 011).
 */
export function claimDeliveries(tx: Tx, ids: string[]): Promise<ClaimedRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return tx
    .select(CLAIMED_COLUMNS)
    .from(deliveries)
    .where(
      and(
        sql`${deliveries.id} = ANY(${uuidArray(ids)})`,
        inArray(deliveries.status, ['pending', 'in_progress']),
        sql`(${deliveries.envelope} IS NOT NULL OR ${deliveries.body} IS NOT NULL)`,
      ),
    );
}

// Only what sending and recording read: every row of a 10,000-site sync comes back through here.
const CLAIMED_COLUMNS = {
  id: deliveries.id,
  organizationId: deliveries.organizationId,
  jobId: deliveries.jobId,
  siteId: deliveries.siteId,
  webhookId: deliveries.webhookId,
  version: deliveries.version,
  payloadHash: deliveries.payloadHash,
  attempts: deliveries.attempts,
  envelope: deliveries.envelope,
  body: deliveries.body,
};

/** A claimed delivery as the worker holds it. */
export type ClaimedRow = Pick<
  DeliveryRow,
  | 'id'
  | 'organizationId'
  | 'jobId'
  | 'siteId'
  | 'webhookId'
  | 'version'
  | 'payloadHash'
  | 'attempts'
  | 'envelope'
  | 'body'
>;

/** Stored items arrays by hash (the tenant's, by RLS). */
export function payloadItemsByHash(tx: Tx, hashes: string[]) {
  if (hashes.length === 0) return Promise.resolve([]);
  return tx
    .select({ hash: payloads.hash, items: payloads.items })
    .from(payloads)
    .where(sql`${payloads.hash} = ANY(${hexArray(hashes)})`);
}

/** The sites of claimed deliveries: destination and signing secrets. */
export function sitesByIds(tx: Tx, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return tx
    .select({
      id: sites.id,
      slug: sites.slug,
      destinationUrl: sites.destinationUrl,
      signingSecretEncrypted: sites.signingSecretEncrypted,
      previousSigningSecretEncrypted: sites.previousSigningSecretEncrypted,
      previousSecretExpiresAt: sites.previousSecretExpiresAt,
    })
    .from(sites)
    .where(sql`${sites.id} = ANY(${uuidArray(ids)})`);
}
