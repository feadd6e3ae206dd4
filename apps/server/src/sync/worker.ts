import type PgBoss from 'pg-boss';
import { QUEUES } from '../queue/job-queue.js';
import { runDeliveryBatch } from './delivery-batch.js';
import { createOutcomeRecorder } from './outcome-recorder.js';
import { planSyncJob } from './planner.js';
import type { DeliverJobData, PlanJobData, SyncContext } from './sync-context.js';

export interface SyncWorker {
  start(): void;
  /** Stops fetching and waits for the jobs in hand to finish. */
  stop(): Promise<void>;
  wake(): void;
  readonly context: SyncContext;
}

export interface SyncWorkerOptions {
  /** Deliveries in flight at once (the HTTP client bounds connections separately). */
  concurrency?: number;
  /** Fallback poll interval; sends in this process wake the worker at once. */
  pollMs?: number;
}

/**
 * Fetches plan and delivery jobs from the queue and runs them, up to `concurrency` deliveries at a time. We call
 * pg-boss's `fetch` ourselves instead of `work()`: pg-boss 10 polls no faster than every 0.5 s, which alone would
 * exceed a 3-site sync's whole budget, while a wake-up after each send starts the work at once (decision 006).
 * Jobs are completed only after their handler committed; a process that dies mid-job gets them back on expiry.
 */
export function createSyncWorker(
  base: Omit<SyncContext, 'wake'>,
  options: SyncWorkerOptions = {},
): SyncWorker {
  const concurrency = options.concurrency ?? 64;
  const pollMs = options.pollMs ?? 500;
  const inFlight = new Set<Promise<void>>();
  let deliveriesInFlight = 0;
  let running = false;
  let loopDone: Promise<void> = Promise.resolve();
  let wakeRequested = false;
  let wakeSleeper: (() => void) | null = null;

  const wake = () => {
    wakeRequested = true;
    wakeSleeper?.();
  };
  const context: SyncContext = { ...base, wake };
  const recorder = createOutcomeRecorder(context);

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

  function track(work: Promise<void>, isDelivery: boolean): void {
    if (isDelivery) deliveriesInFlight += 1;
    const tracked = work.finally(() => {
      if (isDelivery) deliveriesInFlight -= 1;
      inFlight.delete(tracked);
      wake(); // a slot is free
    });
    inFlight.add(tracked);
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
      await base.boss
        .fail(queue, job.id, { message: String((error as Error)?.message ?? error) })
        .catch(() => {});
    }
  }

  async function fetchAndRun(): Promise<number> {
    const plans = await base.boss.fetch<PlanJobData>(QUEUES.plan, { batchSize: 4 });
    for (const job of plans)
      track(
        handle(QUEUES.plan, job, (data) => planSyncJob(context, data)),
        false,
      );
    const free = concurrency - deliveriesInFlight;
    if (free <= 0) return plans.length;
    const deliveries = await base.boss.fetch<DeliverJobData>(QUEUES.deliver, { batchSize: free });
    if (deliveries.length > 0) {
      for (const done of runDeliveryBatch(context, recorder, deliveries)) track(done, true);
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
      if (fetched === 0 || deliveriesInFlight >= concurrency) await sleep();
    }
  }

  return {
    context,
    wake,
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
