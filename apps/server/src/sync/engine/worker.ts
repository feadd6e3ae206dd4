import type PgBoss from 'pg-boss';
import { retryWhileDisconnected } from '../../db/errors.js';
import { groupBy } from '../../lib/group-by.js';
import { QUEUES } from '../../queue/job-queue.js';
import { createSecretOpener } from '../../sites/index.js';
import { runDeliveryBatch, type DeliveryJobProgress } from '../deliver/delivery-batch.js';
import { createPayloadCache } from '../deliver/payload-cache.js';
import { planSyncJob } from '../plan/planner.js';
import {
  DELIVERIES_PER_QUEUE_JOB,
  type DeliverJobData,
  type PlanJobData,
  type WorkKind,
} from '../queue/queue-jobs.js';
import { createOutcomeRecorder } from '../record/outcome-recorder.js';
import type { SyncContext } from './sync-context.js';

/** How many deliveries per sending slot may wait for their outcome to be recorded. */
const UNFINISHED_PER_SLOT = 2;
/**
 * How many deliveries per sending slot may be parked: sleeping before a quick retry or in a slow lane (hung
 * receivers). They hold no active slot, and no body until their slow slot is granted; this bounds their memory.
 */
const PARKED_PER_SLOT = 2;
/**
 * Deliveries handed to the delivery client at once. The client itself sends at most `connections` (64 by default)
 * at a time and queues the rest; handing it more than that keeps its connections busy while the next batch is
 * fetched, claimed and recorded, and makes those batches bigger. Measured (bench, PostgreSQL, 10,000 sites, medians
 * of 3): 128 → 2,234 deliveries/s, 256 → 2,323, 512 → 2,652, 1,024 → 2,981. Memory: at most twice this many bodies
 * (16 KB each in the bench) wait in the worker.
 */
const DEFAULT_CONCURRENCY = 1024;
/** Plan jobs fetched at once. */
const PLAN_BATCH = 4;

export interface SyncWorker {
  start(): void;
  /** Stops fetching and waits for the jobs in hand to finish. */
  stop(): Promise<void>;
  wake(work?: WorkKind): void;
  /** The ids of the queue jobs this worker holds now: fetched and not yet completed, failed or given up. */
  heldJobIds(): Iterable<string>;
  readonly context: SyncContext;
}

export interface SyncWorkerOptions {
  /** Deliveries handed to the delivery client at once (which bounds its own requests in flight). */
  concurrency?: number;
  /** Fallback poll interval; sends in this process wake the worker at once. */
  pollMs?: number;
  /** Most sites a plan commits per transaction (default PLAN_CHUNK_SITES; tests use a few, to see several chunks). */
  planChunkSites?: number;
  /** Sites of a plan's first transaction, doubling from there (default FIRST_PLAN_CHUNK_SITES). */
  planFirstChunkSites?: number;
}

/**
 * Fetches plan and delivery jobs from the queue and runs them, up to `concurrency` deliveries at a time. We call
 * pg-boss's `fetch` ourselves instead of `work()`: pg-boss 10 polls no faster than every 0.5 s, which alone would
 * exceed a 3-site sync's whole budget, while a wake-up after each send starts the work at once (decision 006).
 * Jobs are completed only after their handler committed. The ids of the jobs in hand are kept for the heartbeat
 * (recovery/), which hands a dead process's jobs to another worker within seconds; pg-boss's expiry stays the backstop.
 */
export function createSyncWorker(
  base: Omit<SyncContext, 'wake'>,
  options: SyncWorkerOptions = {},
): SyncWorker {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const pollMs = options.pollMs ?? 500;
  const inFlight = new Set<Promise<void>>();
  // Read by the heartbeat only: keeping it costs no statement on the fetch or delivery path.
  const held = new Set<string>();
  // Sends handed to the delivery client (bounded by `concurrency`), and deliveries taken from the queue whose outcome
  // is not recorded yet (bounded too, should the database fall behind the network: memory stays bounded).
  let sending = 0;
  let unfinishedDeliveries = 0;
  const maxUnfinished = concurrency * UNFINISHED_PER_SLOT;
  // Parked deliveries leave `sending` and `unfinishedDeliveries` for this count, so hung receivers do not stop the
  // worker from fetching the deliveries of receivers that answer.
  let parkedDeliveries = 0;
  const maxParked = concurrency * PARKED_PER_SLOT;
  // While sends are in flight, wait for a quarter of the slots to free up before fetching: each fetch and claim
  // costs the same few round trips for 1 delivery or 64, so a trickle of tiny batches would cap the throughput.
  const minBatch = Math.max(1, Math.floor(concurrency / 4));
  const freeDeliverySlots = () => {
    const free = Math.min(
      concurrency - sending,
      maxUnfinished - unfinishedDeliveries,
      maxParked - parkedDeliveries,
    );
    return sending > 0 && free < minBatch ? 0 : free;
  };
  let running = false;
  let loopDone: Promise<void> = Promise.resolve();
  let wakeRequested = false;
  let wakeSleeper: (() => void) | null = null;

  // The plan queue is fetched when a wake-up may mean a new plan, or once per poll interval (pg-boss's retries of a
  // failed plan, a NOTIFY missed): not on every loop, which during a big sync runs every few milliseconds and would
  // fetch the plan queue for nothing (two 10,000-site syncs on PostgreSQL: 765 queue fetches rather than 2,763).
  let planWanted = true;
  let lastPlanFetch = 0;
  const wake = (work: WorkKind = 'any') => {
    if (work === 'any') planWanted = true;
    wakeRequested = true;
    wakeSleeper?.();
  };
  const context: SyncContext = { ...base, wake };
  const batchTools = {
    recorder: createOutcomeRecorder(context),
    payloads: createPayloadCache(),
    openSecret: createSecretOpener(base.encryptionKey),
  };

  async function sleep(): Promise<void> {
    if (wakeRequested) {
      wakeRequested = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs);
      wakeSleeper = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wakeSleeper = null;
    wakeRequested = false;
  }

  function track(work: Promise<void>): void {
    const tracked = work.finally(() => {
      inFlight.delete(tracked);
      wake('deliveries'); // a slot may be free
    });
    inFlight.add(tracked);
  }

  /** A job is out of the worker's hands once its handler, or every delivery it carried, is done. */
  function hold(jobId: string, done: Promise<unknown>): void {
    held.add(jobId);
    void done.finally(() => held.delete(jobId));
  }

  function trackDelivery(progress: DeliveryJobProgress): void {
    sending += 1;
    unfinishedDeliveries += 1;
    let parked = false;
    void progress.sent.then((how) => {
      sending -= 1;
      if (how === 'parked') {
        parked = true;
        unfinishedDeliveries -= 1;
        parkedDeliveries += 1;
      }
      wake('deliveries');
    });
    // `sent` always settles first (its reaction was queued first), so `parked` is known here.
    track(
      progress.done.finally(() => {
        if (parked) parkedDeliveries -= 1;
        else unfinishedDeliveries -= 1;
      }),
    );
  }

  async function handle<T>(
    queue: string,
    job: PgBoss.Job<T>,
    run: (data: T) => Promise<void>,
  ): Promise<void> {
    try {
      await run(job.data);
      await base.boss.complete(queue, job.id);
    } catch (error) {
      base.log.error({ err: error, queue, jobId: job.id }, 'sync job handler failed; pg-boss will retry it');
      // Given back as soon as the database answers again (a restart): else only pg-boss's expiry would.
      await retryWhileDisconnected(() =>
        base.boss.fail(queue, job.id, { message: String((error as Error)?.message ?? error) }),
      ).catch(() => {});
    }
  }

  async function fetchAndRun(): Promise<number> {
    let plans: PgBoss.Job<PlanJobData>[] = [];
    if (planWanted || Date.now() - lastPlanFetch >= pollMs) {
      planWanted = false;
      lastPlanFetch = Date.now();
      plans = await base.boss.fetch<PlanJobData>(QUEUES.plan, { batchSize: PLAN_BATCH });
      for (const job of plans) {
        const handled = handle(QUEUES.plan, job, (data) =>
          planSyncJob(context, data, {
            firstSites: options.planFirstChunkSites,
            maxSites: options.planChunkSites,
          }),
        );
        hold(job.id, handled);
        track(handled);
      }
      // A full batch: more may be waiting.
      if (plans.length === PLAN_BATCH) planWanted = true;
    }
    const free = freeDeliverySlots();
    if (free <= 0) return plans.length;
    // A plan's queue jobs carry up to DELIVERIES_PER_QUEUE_JOB deliveries each (a retry's carries one): take as
    // many jobs as full ones would fill the free slots, at least one.
    const deliveries = await base.boss.fetch<DeliverJobData>(QUEUES.deliver, {
      batchSize: Math.max(1, Math.floor(free / DELIVERIES_PER_QUEUE_JOB)),
    });
    if (deliveries.length > 0) {
      const progress = runDeliveryBatch(context, batchTools, deliveries);
      for (const [jobId, units] of groupBy(progress, (unit) => unit.queueJobId))
        hold(jobId, Promise.all(units.map((unit) => unit.done)));
      for (const unit of progress) trackDelivery(unit);
    }
    return plans.length + deliveries.length;
  }

  async function loop(): Promise<void> {
    while (running) {
      let fetched = 0;
      try {
        fetched = await fetchAndRun();
      } catch (error) {
        base.log.error({ err: error }, 'sync worker could not fetch jobs; retrying');
      }
      if (fetched === 0 || freeDeliverySlots() <= 0) await sleep();
    }
  }

  return {
    context,
    wake,
    heldJobIds: () => held,
    start() {
      if (running) return;
      running = true;
      loopDone = loop();
    },
    async stop() {
      running = false;
      wake();
      await loopDone;
      await Promise.all(inFlight);
    },
  };
}
