import { and, inArray, sql } from 'drizzle-orm';
import { deliveries, payloads, sites } from '../db/schema/index.js';
import { rowsOf } from '../db/rows-of.js';
import { hexArray, intArray, uuidArray } from '../db/sql-arrays.js';
import type { Tx } from '../db/types.js';
import type { DeliveryRow } from './sync-jobs.repo.js';

// The delivery path's statements, each covering a whole batch of deliveries: claiming 64 deliveries or recording
// 200 successes costs a few statements, not a few per delivery (issue 4's performance goals).

/**
 * Reads the deliveries still worth sending (`pending`, or `in_progress` as an engine before decision 011 left
 * them). Superseded or finished ones, and duplicate queue entries for them, are left out: nothing to send. A read,
 * not an update: the queue job handed to this worker is what makes the send its own (pg-boss gives a job to one
 * worker at a time), and marking each row `in_progress` cost a new row version with five index entries per
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
      createdAt: sites.createdAt,
      destinationUrl: sites.destinationUrl,
      signingSecretEncrypted: sites.signingSecretEncrypted,
      previousSigningSecretEncrypted: sites.previousSigningSecretEncrypted,
      previousSecretExpiresAt: sites.previousSecretExpiresAt,
    })
    .from(sites)
    .where(sql`${sites.id} = ANY(${uuidArray(ids)})`);
}

export interface AcceptedDelivery {
  id: string;
  /** Attempts made by this send (quick retries included). */
  attempts: number;
  responseCode: number | null;
  latencyMs: number;
}

/**
 * Records accepted deliveries, in one statement: each delivery still unfinished becomes `success` (one another
 * worker recorded meanwhile is left as it is), its site's last sync is now, and its site's snapshot becomes this
 * version — its envelope and payload hash (the items are stored once, in payloads), or for a delivery planned
 * before migration 0004 its body as jsonb. An older version finishing late never overwrites a newer snapshot; of
 * two versions of one site in the batch, the newer one is taken (one upsert may not touch a row twice). Answers
 * the deliveries it changed.
 */
export function recordAcceptedDeliveries(tx: Tx, accepted: AcceptedDelivery[]) {
  if (accepted.length === 0) return Promise.resolve([]);
  return rowsOf<{ id: string; job_id: string; site_id: string; version: number; attempts: number }>(
    tx,
    sql`WITH accepted AS (
          UPDATE deliveries AS d
          SET status = 'success', attempts = d.attempts + v.attempts, response_code = v.response_code,
              latency_ms = v.latency_ms, error = NULL, next_attempt_at = NULL, completed_at = now(),
              updated_at = now()
          FROM unnest(
            ${uuidArray(accepted.map((entry) => entry.id))},
            ${intArray(accepted.map((entry) => entry.attempts))},
            ${intArray(accepted.map((entry) => entry.responseCode))},
            ${intArray(accepted.map((entry) => Math.round(entry.latencyMs)))}
          ) AS v (id, attempts, response_code, latency_ms)
          WHERE d.id = v.id AND d.status IN ('pending', 'in_progress')
          RETURNING d.id, d.organization_id, d.job_id, d.site_id, d.version, d.attempts, d.envelope, d.body,
                    d.payload_hash, d.item_count
        ),
        snapshots AS (
          INSERT INTO destination_snapshots
            (organization_id, site_id, job_id, version, payload, envelope, payload_hash, item_count, received_at)
          SELECT DISTINCT ON (site_id)
            organization_id, site_id, job_id, version, CASE WHEN envelope IS NULL THEN body::jsonb END, envelope,
            payload_hash, item_count, now()
          FROM accepted
          ORDER BY site_id, version DESC
          ON CONFLICT (site_id) DO UPDATE SET
            job_id = excluded.job_id, version = excluded.version, payload = excluded.payload,
            envelope = excluded.envelope, payload_hash = excluded.payload_hash, item_count = excluded.item_count,
            received_at = excluded.received_at
          WHERE destination_snapshots.version < excluded.version
        ),
        synced AS (
          UPDATE sites SET last_sync_status = 'success', last_sync_at = now()
          WHERE id IN (SELECT site_id FROM accepted)
        )
        SELECT id, job_id, site_id, version, attempts FROM accepted`,
  );
}
