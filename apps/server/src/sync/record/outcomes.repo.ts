import { eq, sql } from 'drizzle-orm';
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

/** An accepted delivery as recorded; `was_failing`: its site was failing until this (it recovered). */
export interface RecordedAcceptance {
  id: string;
  organization_id: string;
  job_id: string | null;
  site_id: string;
  version: number;
  attempts: number;
  was_failing: boolean;
}

/**
 * Records accepted deliveries, in one statement: each delivery still unfinished becomes `success` (one another
 * worker recorded meanwhile is left as it is); its site is healthy — last sync and last success now, no longer
 * failing, no error, no retry due — and its snapshot becomes this version: its envelope and payload hash (the
 * items are stored once, in payloads), or for a delivery planned before migration 0004 its body as jsonb. An older
 * version finishing late never overwrites a newer snapshot; of two versions of one site in the batch, the newer
 * one is taken (one upsert may not touch a row twice). The sites' rows as the statement's snapshot has them (every
 * part of one statement reads the same snapshot, so not yet updated) tell which sites were failing, read by
 * id. Answers the deliveries it changed.
 */
export function recordAcceptedDeliveries(tx: Tx, accepted: AcceptedDelivery[]) {
  if (accepted.length === 0) return Promise.resolve([]);
  return rowsOf<RecordedAcceptance>(
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
        health_before AS (
          SELECT id, failing_since IS NOT NULL AS was_failing FROM sites
          WHERE id IN (SELECT site_id FROM accepted)
        ),
        synced AS (
          UPDATE sites
          SET last_sync_status = 'success', last_sync_at = now(), last_success_at = now(), failing_since = NULL,
              consecutive_failures = 0, next_attempt_at = NULL, last_error = NULL
          WHERE id IN (SELECT site_id FROM accepted)
        )
        SELECT a.id, a.organization_id, a.job_id, a.site_id, a.version, a.attempts, h.was_failing
        FROM accepted AS a JOIN health_before AS h ON h.id = a.site_id`,
  );
}

/**
 * A site that recovered has its pending own sends of versions up to the one it accepted superseded: they would only
 * send it what it has (or older). Newer ones stay.
 */
export async function supersedeCaughtUpSends(
  tx: Tx,
  accepted: { siteId: string; version: number }[],
): Promise<void> {
  if (accepted.length === 0) return;
  await tx.execute(
    sql`UPDATE deliveries AS d
        SET status = 'superseded', completed_at = now(), updated_at = now(), next_attempt_at = NULL
        FROM unnest(
          ${uuidArray(accepted.map((entry) => entry.siteId))},
          ${intArray(accepted.map((entry) => entry.version))}
        ) AS a (site_id, version)
        WHERE d.site_id = a.site_id AND d.job_id IS NULL AND d.status = 'pending' AND d.version <= a.version`,
  );
}

/** A delivery, locked (two workers never record one delivery at once), and whether its site is enabled. */
export async function lockDelivery(tx: Tx, id: string) {
  const [row] = await tx
    .select({ delivery: deliveries, siteEnabled: sites.enabled })
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
