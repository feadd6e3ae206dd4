import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { scopeOf, type Principal } from '../access/principal.js';
import { withTenant } from '../db/tenant.js';
import type { AppDb, Database } from '../db/types.js';
import { notFound } from '../http/problem.js';
import type { Position } from './event-ids.js';
import { EventStream } from './event-stream.js';
import { FINAL_STATUSES, JobFeed } from './job-feed.js';
import { JobTails } from './job-tail.js';
import { pump, type Feed } from './live-stream.js';
import { findJobStatus, jobStatusFloor, selectJobLogRows } from './live.repo.js';
import type { NotificationHub, Wake } from './notification-hub.js';
import { OrgFeed, SETTLE_MS } from './org-feed.js';
import type { WrittenLines } from './written-lines.js';

export interface LiveOptions {
  heartbeatMs: number;
  /** A stream's socket buffer bound: above it, no more rows are read for that stream until it drains. */
  maxBufferedBytes: number;
  /** How often a stream asks whether its caller still has access; it ends when they have not. */
  accessCheckMs: number;
}

/** Whether the caller of a stream still may read it (the access rule asked again with the same credentials). */
export type StillAllowed = () => Promise<boolean>;

/** The open SSE streams of this process: opened after the tenant check, all ended when the server closes. */
export class LiveStreams {
  private readonly open = new Set<EventStream>();

  private readonly tails: JobTails;

  constructor(
    private readonly db: AppDb,
    /** Raw SQL for the tails' one-round-trip reads (selectJobLogRows). */
    executeSql: Database['executeSql'],
    private readonly hub: NotificationHub,
    private readonly options: LiveOptions,
    onError: (error: unknown) => void = () => {},
    /** The lines this process writes (written-lines.ts), which its tails take instead of reading them back. */
    writtenLines?: WrittenLines,
  ) {
    this.tails = new JobTails(
      db,
      (orgId, jobId, afterId, limit) => selectJobLogRows({ executeSql }, orgId, jobId, afterId, limit),
      (jobId, wake) => hub.subscribeJob(jobId, wake),
      onError,
      writtenLines,
    );
  }

  /** Jobs whose streams share a tail in this process (tests). */
  get tailCount(): number {
    return this.tails.size;
  }

  get count(): number {
    return this.open.size;
  }

  /** Bytes waiting in each open stream's socket buffer (tests check that slow clients stay bounded). */
  bufferedBytes(): number[] {
    return [...this.open].map((stream) => stream.bufferedBytes);
  }

  /**
   * 404 unless the job is the caller's organization's, before anything is streamed. A running job's streams share
   * its tail (job-tail.ts); a finished one's are a replay, read from the database to the end.
   */
  async streamJob(
    reply: FastifyReply,
    principal: Principal,
    stillAllowed: StillAllowed,
    jobId: string,
    from: Position,
  ): Promise<void> {
    const scope = scopeOf(principal);
    const status = await withTenant(this.db, scope, (tx) => findJobStatus(tx, jobId));
    if (!status) throw notFound('sync job');
    if (FINAL_STATUSES.includes(status)) {
      const feed = new JobFeed(this.db, scope, jobId, from, true, null);
      await this.stream(reply, feed, stillAllowed, (wake) => this.hub.subscribeJob(jobId, wake));
      return;
    }
    const tail = await this.tails.acquire(jobId, principal.orgId);
    try {
      const feed = new JobFeed(this.db, scope, jobId, from, false, tail);
      await this.stream(reply, feed, stillAllowed, async (wake) => {
        const unfollow = tail.follow(wake);
        return () => {
          unfollow();
          this.tails.release(jobId);
        };
      });
    } catch (error) {
      this.tails.release(jobId);
      throw error;
    }
  }

  /**
   * Without Last-Event-ID the stream starts with the job events of the last SETTLE_MS (recent activity, and the
   * margin for late commits); with one, from SETTLE_MS before that event, so a job event that committed late
   * after it cannot be missed: the events of that margin may come again (docs/live-events.md).
   */
  async streamOrganization(
    reply: FastifyReply,
    principal: Principal,
    stillAllowed: StillAllowed,
    from: Position | null,
  ): Promise<void> {
    const scope = { ...scopeOf(principal), orgId: principal.orgId };
    const seconds = SETTLE_MS / 1000;
    const floor = await withTenant(this.db, scope, (tx) =>
      jobStatusFloor(tx, principal.orgId, seconds, from?.logId),
    );
    const feed = new OrgFeed(this.db, scope, from ? Math.min(floor, from.logId) : floor);
    await this.stream(reply, feed, stillAllowed, (wake) => this.hub.subscribeOrg(principal.orgId, wake));
  }

  /** Ends every stream (server shutdown): clients reconnect, to another process or after the restart. */
  endAll(): void {
    for (const stream of this.open) stream.end();
  }

  /**
   * Subscribes before the first read, so a commit is either visible to that read or notified after it. Only then
   * is the response taken over from Fastify: a failure to listen is still an ordinary error response.
   */
  private async stream(
    reply: FastifyReply,
    feed: Feed,
    stillAllowed: StillAllowed,
    subscribe: (wake: Wake) => Promise<() => void>,
  ): Promise<void> {
    let forward: Wake = () => {};
    const unsubscribe = await subscribe((notice) => forward(notice));
    reply.hijack();
    const stream = new EventStream(reply.raw, this.options, reply.getHeaders());
    this.open.add(stream);
    stream.onClose(() => {
      unsubscribe();
      this.open.delete(stream);
    });
    const log: FastifyBaseLogger = reply.log;
    forward = pump(stream, feed, (error) => log.error({ err: error }, 'live stream read failed')).wake;
    this.endWhenAccessIsLost(stream, stillAllowed);
  }

  /**
   * Access is checked when a stream opens; a stream lasts for hours. Asking again every few seconds ends it soon
   * after its caller leaves the organization, loses the permission, or their key is revoked or session ended,
   * whichever process made the change. A client that reconnects then gets the 401 or 403.
   */
  private endWhenAccessIsLost(stream: EventStream, stillAllowed: StillAllowed): void {
    let asking = false;
    const timer = setInterval(() => {
      if (asking) return;
      asking = true;
      void stillAllowed()
        .then(
          (allowed) => {
            if (!allowed) stream.end();
          },
          () => stream.end(),
        )
        .finally(() => (asking = false));
    }, this.options.accessCheckMs);
    timer.unref();
    stream.onClose(() => clearInterval(timer));
  }
}
