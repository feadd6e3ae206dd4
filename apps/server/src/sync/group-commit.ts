import { retryWhileDisconnected } from '../db/errors.js';
import { groupBy } from '../lib/group-by.js';

export interface GroupCommitOptions<T> {
  /** Writes one group; resolves once it is committed. */
  write(group: T[]): Promise<void>;
  /** Entries per batch at most (default: all that are waiting). */
  maxBatch?: number;
  /** Entries of one key form a group; a batch's groups are written side by side (default: one group). */
  groupKey?(entry: T): unknown;
  /** Told once per group when the database is unreachable and the write waits for it. */
  onDisconnected(error: unknown, groupSize: number): void;
}

export interface GroupCommit<T> {
  /** Resolves once the entry's group is committed; rejects if it could not be written. */
  add(entry: T): Promise<void>;
}

interface Waiting<T> {
  entry: T;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit: entries added while a batch is being written wait and go into the next batch together, so the
 * number of writes follows the database's speed rather than the number of entries. The first batch waits one turn
 * of the event loop, so entries settling together share it. Writes must be idempotent: while the database is
 * unreachable (a restart, a failover) a group is written again until it answers, rather than failing entries whose
 * work is done and only needs recording.
 */
export function createGroupCommit<T>(options: GroupCommitOptions<T>): GroupCommit<T> {
  const pending: Waiting<T>[] = [];
  const maxBatch = options.maxBatch ?? Number.POSITIVE_INFINITY;
  let flushing = false;

  const flushSoon = () => {
    if (flushing || pending.length === 0) return;
    flushing = true;
    setImmediate(() => {
      void flushAll().finally(() => {
        flushing = false;
        flushSoon();
      });
    });
  };

  async function flushAll(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.splice(0, Math.min(maxBatch, pending.length));
      const groupKey = options.groupKey;
      const groups = groupKey ? [...groupBy(batch, (waiting) => groupKey(waiting.entry)).values()] : [batch];
      await Promise.all(groups.map(commit));
    }
  }

  async function commit(group: Waiting<T>[]): Promise<void> {
    try {
      await retryWhileDisconnected(() => options.write(group.map((waiting) => waiting.entry)), {
        onRetry: (error, attempt) => {
          if (attempt === 1) options.onDisconnected(error, group.length);
        },
      });
      for (const waiting of group) waiting.resolve();
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
    }
  }

  return {
    add(entry) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ entry, resolve, reject });
        flushSoon();
      });
    },
  };
}
