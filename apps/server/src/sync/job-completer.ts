import { retryWhileDisconnected } from '../db/errors.js';
import { QUEUES } from '../queue/job-queue.js';
import type { SyncContext } from './sync-context.js';

export interface JobCompleter {
  /** Resolves once the deliver-queue job is completed in pg-boss (with others that became ready meanwhile). */
  complete(queueJobId: string): Promise<void>;
}

interface Waiting {
  id: string;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Completes deliver-queue jobs by group commit, as the outcome recorder records outcomes: jobs whose last delivery
 * was recorded while a completion was being written go together into the next one. A job is completed only once
 * every delivery it carried is recorded, so a crash never leaves an unfinished delivery with no queue job to
 * hand it out again. While the database is unreachable the completion waits for it (see outcome-recorder.ts).
 */
export function createJobCompleter(ctx: Pick<SyncContext, 'boss' | 'log'>): JobCompleter {
  const pending: Waiting[] = [];
  let flushing = false;

  const flushSoon = () => {
    if (flushing || pending.length === 0) return;
    flushing = true;
    setImmediate(() => {
      void flush().finally(() => {
        flushing = false;
        flushSoon();
      });
    });
  };

  async function flush(): Promise<void> {
    const batch = pending.splice(0, pending.length);
    try {
      await retryWhileDisconnected(
        () =>
          ctx.boss.complete(
            QUEUES.deliver,
            batch.map((entry) => entry.id),
          ),
        {
          onRetry: (error, attempt) => {
            if (attempt === 1)
              ctx.log.warn(
                { err: error, jobs: batch.length },
                'database unreachable; retrying the completion',
              );
          },
        },
      );
      for (const entry of batch) entry.resolve();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }

  return {
    complete(queueJobId) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ id: queueJobId, resolve, reject });
        flushSoon();
      });
    },
  };
}
