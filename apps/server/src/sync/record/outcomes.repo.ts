import { and, eq, sql } from 'drizzle-orm';
import { deliveries, sites } from '../../db/schema/index.js';
import { rowsOf } from '../../db/rows-of.js';
import { intArray, uuidArray } from '../../db/sql-arrays.js';
import type { Tx } from '../../db/types.js';
import type { DeliveryRow } from '../jobs/sync-jobs.repo.js';

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

/** A delivery with its site, locked: two workers never work on one delivery at once. */
export async function lockDelivery(tx: Tx, id: string) {
  const [row] = await tx
    .select({ delivery: deliveries, site: sites })
    .from(deliveries)
    .innerJoin(sites, eq(sites.id, deliveries.siteId))
    .where(eq(deliveries.id, id))
    .for('no key update', { of: deliveries });
  return row;
}

export async function updateDelivery(
  tx: Tx,
  id: string,
  values: Partial<
    Pick<
      DeliveryRow,
      'status' | 'attempts' | 'responseCode' | 'latencyMs' | 'error' | 'nextAttemptAt' | 'completedAt'
    >
  >,
): Promise<void> {
  await tx
    .update(deliveries)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(deliveries.id, id));
}

/** When the site last accepted a delivery, or null if it never has. */
export async function lastSuccessAt(tx: Tx, siteId: string): Promise<string | null> {
  const [row] = await tx
    .select({ at: sql<string | null>`max(${deliveries.completedAt})` })
    .from(deliveries)
    .where(and(eq(deliveries.siteId, siteId), eq(deliveries.status, 'success')));
  return row?.at ? new Date(row.at).toISOString() : null;
}
