import { databaseErrorCode, retryWhileDisconnected } from '../db/errors.js';
import { withTenant } from '../db/tenant.js';
import { groupBy } from '../lib/group-by.js';
import type { Tx } from '../db/types.js';
import type { ClaimedDelivery } from './claimed-delivery.js';
import type { DeliveryOutcome } from './deliver.js';
import { recordAcceptedDeliveries } from './delivery-batch.repo.js';
import { recordFailedSend } from './delivery-failure.js';
import { finalizeJobIfDone } from './job-finalizer.js';
import { observeFinishedJob, type SyncContext } from './sync-context.js';
import { insertLogs, type NewLog } from './sync-jobs.repo.js';

export interface OutcomeRecorder {
  /** Resolves once the outcome is committed; rejects if it could not be recorded. */
  record(claimed: ClaimedDelivery, outcome: DeliveryOutcome): Promise<void>;
}

interface Entry {
  claimed: ClaimedDelivery;
  outcome: DeliveryOutcome;
  resolve(): void;
  reject(error: unknown): void;
}

/** Outcomes per transaction at most: bounds one transaction's size and the time its locks are held. */
const MAX_BATCH = 500;
/** Deadlocks (two batches of one job, or a plan and a batch, locking sites in another order) are retried. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_TRIES = 4;

/**
 * Records send outcomes by group commit: outcomes that finish while a batch is being written wait and go into the
 * next batch together, so the number of transactions follows the database's speed, not the number of deliveries.
 * Each batch is one transaction per organization: the deliveries' new status, the sites' last sync, the snapshots,
 * the log lines, durable retries and the end of any job that finished. Queue jobs are completed elsewhere, once
 * all of a job's deliveries are recorded (job-completer.ts): a crash between the commit and the completion only
 * makes pg-boss hand the job out again, and the claim then finds nothing to do.
 */
export function createOutcomeRecorder(ctx: SyncContext): OutcomeRecorder {
  const pending: Entry[] = [];
  let flushing = false;

  const flushSoon = () => {
    if (flushing || pending.length === 0) return;
    flushing = true;
    // One turn of the event loop first, so outcomes settling together share the first batch too.
    setImmediate(() => {
      void flushAll().finally(() => {
        flushing = false;
        flushSoon();
      });
    });
  };

  async function flushAll(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.splice(0, MAX_BATCH);
      const byOrg = groupBy(batch, (entry) => entry.claimed.data.orgId);
      await Promise.all([...byOrg].map(([orgId, entries]) => flushOrganization(orgId, entries)));
    }
  }

  async function flushOrganization(orgId: string, entries: Entry[]): Promise<void> {
    // The outcomes are in memory and recording them is idempotent (it only changes deliveries still in progress),
    // so while the database is unreachable (a restart, a failover) the batch waits for it rather than failing:
    // failing would also fail the queue jobs, leaving the deliveries unfinished and their job `running` until
    // pg-boss hands them out again, and the receivers would get every version again.
    const onRetry = (error: unknown, attempt: number) => {
      if (attempt === 1)
        ctx.log.warn({ err: error, deliveries: entries.length }, 'database unreachable; retrying the record');
    };
    try {
      await retryWhileDisconnected(
        async () => {
          for (let attempt = 1; ; attempt += 1) {
            try {
              await withTenant(ctx.db, { orgId }, (tx) => recordBatch(tx, ctx, entries));
              return;
            } catch (error) {
              if (attempt >= MAX_TRIES || !RETRYABLE.has(databaseErrorCode(error) ?? '')) throw error;
            }
          }
        },
        { onRetry },
      );
      for (const entry of entries) entry.resolve();
    } catch (error) {
      for (const entry of entries) entry.reject(error);
    }
  }

  return {
    record(claimed, outcome) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ claimed, outcome, resolve, reject });
        flushSoon();
      });
    },
  };
}

async function recordBatch(tx: Tx, ctx: SyncContext, entries: Entry[]): Promise<void> {
  const accepted = entries.filter((entry) => entry.outcome.kind === 'success');
  const byId = new Map(accepted.map((entry) => [entry.claimed.delivery.id, entry]));
  const recorded = await recordAcceptedDeliveries(
    tx,
    accepted.map(({ claimed, outcome }) => ({
      id: claimed.delivery.id,
      attempts: outcome.attempts,
      responseCode: outcome.status,
      latencyMs: outcome.latencyMs,
    })),
  );

  const logs: NewLog[] = recorded.map((row) => {
    const { claimed, outcome } = byId.get(row.id)!;
    const latencyMs = Math.round(outcome.latencyMs);
    return {
      organizationId: claimed.delivery.organizationId,
      jobId: row.job_id,
      siteId: row.site_id,
      level: 'info',
      siteStatus: 'success',
      message: `${claimed.siteSlug}: version ${row.version} delivered (${outcome.status} in ${latencyMs} ms).`,
      metadata: {
        version: row.version,
        status: outcome.status,
        latency_ms: latencyMs,
        attempts: row.attempts,
      },
    };
  });
  for (const entry of entries) {
    if (entry.outcome.kind === 'success') continue;
    const line = await recordFailedSend(tx, ctx, entry.claimed, entry.outcome);
    if (line) logs.push(line);
  }
  await insertLogs(tx, logs);

  const jobs = new Set(entries.map((entry) => entry.claimed.delivery.jobId));
  for (const jobId of [...jobs].sort()) observeFinishedJob(ctx, await finalizeJobIfDone(tx, jobId));
}
