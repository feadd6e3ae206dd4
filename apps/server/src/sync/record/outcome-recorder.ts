import { raiseAlerts, type AlertEvent } from '../../alerts/alert-events.js';
import { databaseErrorCode } from '../../db/errors.js';
import { withTenant } from '../../db/tenant.js';
import type { Tx } from '../../db/types.js';
import type { ClaimedDelivery } from '../deliver/claimed-delivery.js';
import type { DeliveryOutcome } from '../deliver/deliver.js';
import type { SyncContext } from '../engine/sync-context.js';
import { createJobFinisher, type JobFinisher } from '../finish/job-finisher.js';
import { createGroupCommit } from '../group-commit.js';
import { writeJobLogs } from '../jobs/job-log-writer.js';
import type { NewLog } from '../jobs/job-logs.repo.js';
import { failDeliverJobs } from '../queue/sync-queue.js';
import { recordFailedSend } from './delivery-failure.js';
import { recoveryEvents } from './health-events.js';
import { recordAcceptedDeliveries, supersedeCaughtUpSends } from './outcomes.repo.js';

export interface OutcomeRecorder {
  /**
   * Records the outcome of each of a queue job's sends as it arrives, then hands the queue job to the finish step
   * once all are recorded, or fails it in the queue if one could not be. Resolves when the job is out of the
   * worker's hands either way.
   */
  recordQueueJob(
    queueJobId: string,
    sends: { claimed: ClaimedDelivery; outcome: Promise<DeliveryOutcome> }[],
  ): Promise<void>;
}

interface Outcome {
  claimed: ClaimedDelivery;
  outcome: DeliveryOutcome;
}

/** Outcomes per transaction at most: bounds one transaction's size and the time its locks are held. */
const MAX_BATCH = 500;
/** Deadlocks (two batches of one job, or a plan and a batch, locking sites in another order) are retried. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_TRIES = 4;

/**
 * Records send outcomes by group commit (group-commit.ts), so the number of transactions follows the database's
 * speed, not the number of deliveries. Each batch is one transaction per organization: the deliveries' new status,
 * the sites' health and last sync, the snapshots, the log lines, the sites' own retries, their alerts and the end
 * of any job that finished. Queue jobs are completed after the commit, once all of a job's deliveries are recorded
 * (finish/): a crash between the commit and the completion only makes pg-boss hand the job out again, and the claim
 * then finds nothing to do.
 * Recording is idempotent (it only changes deliveries still unfinished), so while the database is unreachable a
 * batch waits for it rather than failing: failing would also fail the queue jobs, leaving the deliveries unfinished
 * and their job `running` until pg-boss hands them out again, and the receivers would get every version again.
 */
export function createOutcomeRecorder(ctx: SyncContext): OutcomeRecorder {
  const finisher = createJobFinisher(ctx);
  const outcomes = createGroupCommit<Outcome>({
    maxBatch: MAX_BATCH,
    groupKey: (entry) => entry.claimed.data.orgId,
    write: async (entries) => {
      const orgId = entries[0]!.claimed.data.orgId;
      for (let attempt = 1; ; attempt += 1) {
        try {
          await withTenant(ctx.db, { orgId }, (tx) => recordBatch(tx, ctx, finisher, entries));
          return;
        } catch (error) {
          if (attempt >= MAX_TRIES || !RETRYABLE.has(databaseErrorCode(error) ?? '')) throw error;
        }
      }
    },
    onDisconnected: (error, deliveries) =>
      ctx.log.warn({ err: error, deliveries }, 'database unreachable; retrying the record'),
  });

  return {
    async recordQueueJob(queueJobId, sends) {
      const recorded = sends.map(({ claimed, outcome }) =>
        outcome.then((settled) => outcomes.add({ claimed, outcome: settled })),
      );
      try {
        const failure = (await Promise.allSettled(recorded)).find((result) => result.status === 'rejected');
        if (failure) await failDeliverJobs(ctx, [{ id: queueJobId }], failure.reason);
        else await finisher.completeQueueJob(queueJobId);
      } catch (error) {
        await failDeliverJobs(ctx, [{ id: queueJobId }], error);
      }
    },
  };
}

async function recordBatch(
  tx: Tx,
  ctx: SyncContext,
  finisher: JobFinisher,
  entries: Outcome[],
): Promise<void> {
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
  const recovered = recorded.filter((row) => row.was_failing);
  await supersedeCaughtUpSends(
    tx,
    recovered.map((row) => ({ siteId: row.site_id, version: row.version })),
  );
  const events: AlertEvent[] = recoveryEvents(
    recovered.map((row) => ({ organizationId: row.organization_id, siteId: row.site_id, wasFailing: true })),
  );

  const logs: NewLog[] = [];
  for (const row of recorded) {
    // A site's own send belongs to no job: nothing to tell there.
    if (row.job_id === null) continue;
    const { claimed, outcome } = byId.get(row.id)!;
    const latencyMs = Math.round(outcome.latencyMs);
    logs.push({
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
    });
  }
  for (const entry of entries) {
    if (entry.outcome.kind === 'success') continue;
    const failure = await recordFailedSend(tx, ctx, entry.claimed, entry.outcome);
    if (failure?.line) logs.push(failure.line);
    if (failure) events.push(...failure.events);
  }
  await writeJobLogs(tx, ctx.liveLines, logs);
  if (events.length > 0) await raiseAlerts(tx, ctx.boss, events);
  await finisher.endJobsIfDone(
    tx,
    entries.flatMap((entry) => entry.claimed.delivery.jobId ?? []),
  );
}
