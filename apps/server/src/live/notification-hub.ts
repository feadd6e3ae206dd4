import type { Database, Unlisten } from '../db/types.js';

/** The channel migration 0003's trigger notifies on, once per (organization, job) per INSERT into job_logs. */
export const LOG_CHANNEL = 'datasync_job_logs';

/** What one notification says: new rows of a job, up to `maxId`; `jobStatus` if one of them reports the job's. */
export interface LogNotice {
  orgId: string;
  jobId: string;
  maxId: number;
  jobStatus: boolean;
}

/**
 * A stream's wake-up call. `notice` is null when the stream must re-read from its cursor whatever it saw: after
 * the LISTEN connection was lost (notifications meanwhile are gone) or, without LISTEN, on every poll.
 */
export type Wake = (notice: LogNotice | null) => void;

export type ListenFn = Database['listen'];

export function parseNotice(payload: string): LogNotice | null {
  const [orgId, jobId, maxId, jobStatus] = payload.split(':');
  if (!orgId || !jobId || !maxId || !/^\d+$/.test(maxId)) return null;
  return { orgId, jobId, maxId: Number(maxId), jobStatus: jobStatus === '1' };
}

/**
 * One LISTEN per process, fanned out in memory: each open stream subscribes to its job or its organization, and
 * is woken by the notifications that concern it. The LISTEN starts with the first subscriber (a process that never
 * streams holds no extra connection), and a subscriber is only told it is subscribed once LISTEN is active, so
 * that reading its backlog afterwards cannot miss a commit. Without a `listen` function (a process wired without
 * it) every stream is woken every `pollMs` instead: slower, never wrong.
 */
export class NotificationHub {
  private readonly byJob = new Map<string, Set<Wake>>();
  private readonly byOrg = new Map<string, Set<Wake>>();
  private listening: Promise<Unlisten> | null = null;
  private poller: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: { listen?: ListenFn; pollMs?: number }) {}

  /** Subscribes `wake` to a job's notices; resolves, once notices flow, with the unsubscribe function. */
  subscribeJob(jobId: string, wake: Wake): Promise<() => void> {
    return this.subscribe(this.byJob, jobId, wake);
  }

  /** Subscribes `wake` to the notices of an organization's lines that report a job status. */
  subscribeOrg(orgId: string, wake: Wake): Promise<() => void> {
    return this.subscribe(this.byOrg, orgId, wake);
  }

  /** Open subscriptions (streams), for shutdown and tests. */
  get size(): number {
    let total = 0;
    for (const map of [this.byJob, this.byOrg]) for (const set of map.values()) total += set.size;
    return total;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    const listening = this.listening;
    this.listening = null;
    if (listening) await (await listening.catch(() => null))?.();
  }

  private async subscribe(map: Map<string, Set<Wake>>, key: string, wake: Wake): Promise<() => void> {
    await this.start();
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0 && map.get(key) === set) map.delete(key);
    };
  }

  private start(): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('The notification hub is closed.'));
    const { listen } = this.options;
    if (!listen) {
      this.poller ??= setInterval(() => this.wakeAll(), this.options.pollMs ?? 1_000).unref();
      return Promise.resolve();
    }
    // A failed start is retried by the next subscriber rather than remembered.
    this.listening ??= listen(
      LOG_CHANNEL,
      (payload) => this.dispatch(payload),
      () => this.wakeAll(),
    ).catch((error: unknown) => {
      this.listening = null;
      throw error;
    });
    return this.listening;
  }

  private dispatch(payload: string): void {
    const notice = parseNotice(payload);
    if (!notice) return;
    for (const wake of this.byJob.get(notice.jobId) ?? []) wake(notice);
    if (notice.jobStatus) for (const wake of this.byOrg.get(notice.orgId) ?? []) wake(notice);
  }

  private wakeAll(): void {
    for (const map of [this.byJob, this.byOrg])
      for (const set of map.values()) for (const wake of set) wake(null);
  }
}
