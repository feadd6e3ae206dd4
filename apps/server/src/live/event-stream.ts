import type { ServerResponse } from 'node:http';

/** One Server-Sent Event. `data` is serialized as one line of JSON. */
export interface SseEvent {
  id: string;
  event: string;
  data: unknown;
}

/** The wire text of each event object, made once: the streams of one job share the tail's events (job-tail.ts). */
const wireText = new WeakMap<SseEvent, string>();

/** The encoded bytes of the last run of events that started with an event, to the run's last event. */
const runBytes = new WeakMap<SseEvent, { last: SseEvent; count: number; bytes: Buffer }>();

export function formatEvent(event: SseEvent): string {
  let text = wireText.get(event);
  if (text === undefined) {
    // JSON.stringify escapes line breaks inside strings, so the data is always a single `data:` line.
    text = `id: ${event.id}\nevent: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
    wireText.set(event, text);
  }
  return text;
}

/**
 * The bytes of several events, encoded once for every stream that sends the same run: the streams following one
 * job are woken by the same read of its tail and mostly stand at the same position, so they send the same event
 * objects. Without this each of N streams joined and encoded its own copy of the run (with 50 streams, most of the
 * API thread's time during a sync, and the delay of every event behind it).
 */
export function encodeEvents(events: SseEvent[]): Buffer {
  const first = events[0]!;
  const last = events.at(-1)!;
  const memo = runBytes.get(first);
  if (memo && memo.last === last && memo.count === events.length) return memo.bytes;
  const bytes = Buffer.from(events.map(formatEvent).join(''));
  runBytes.set(first, { last, count: events.length, bytes });
  return bytes;
}

export interface EventStreamOptions {
  /** A comment line this often keeps proxies and load balancers from closing a quiet stream. */
  heartbeatMs: number;
  /** Above this many bytes waiting in the socket's buffer the stream counts as backed up (see `backedUp`). */
  maxBufferedBytes: number;
  /** How long a client waits before reconnecting (the SSE `retry:` field). */
  retryMs?: number;
}

/**
 * The writing end of one SSE response on a raw Node response (the route has hijacked it from Fastify). It never
 * queues events itself: the feed reading rows checks `backedUp` and waits for `drained()` before reading more,
 * so a slow client costs at most one read batch beyond `maxBufferedBytes` and simply lags behind, resuming from
 * its position in the database.
 */
export class EventStream {
  private readonly heartbeat: NodeJS.Timeout;
  private closedFlag = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly raw: ServerResponse,
    private readonly options: EventStreamOptions,
    headers: Record<string, string | string[] | number | undefined> = {},
  ) {
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers proxied responses by default, which would hold events back.
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: ${options.retryMs ?? 2_000}\n\n`);
    raw.on('close', () => this.markClosed());
    raw.on('error', () => this.markClosed());
    // The client may have gone while the stream was being set up: its 'close' is then already past.
    if (raw.destroyed || raw.socket?.destroyed) queueMicrotask(() => this.markClosed());
    this.heartbeat = setInterval(() => {
      if (!this.backedUp) this.write(': ping\n\n');
    }, options.heartbeatMs);
    this.heartbeat.unref();
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** More than `maxBufferedBytes` are waiting to go out: the client (or its network) is slower than the events. */
  get backedUp(): boolean {
    return this.raw.writableLength > this.options.maxBufferedBytes;
  }

  get bufferedBytes(): number {
    return this.raw.writableLength;
  }

  send(event: SseEvent): void {
    this.write(formatEvent(event));
  }

  /** Several events in one write (one socket write per read batch, not one per event). */
  sendAll(events: SseEvent[]): void {
    if (events.length > 0) this.write(encodeEvents(events));
  }

  /** Resolves once the buffer has drained (or the client is gone). */
  drained(): Promise<void> {
    if (this.closedFlag || !this.backedUp) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        this.raw.off('close', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.raw.on('close', done);
    });
  }

  onClose(listener: () => void): void {
    if (this.closedFlag) listener();
    else this.closeListeners.push(listener);
  }

  /** Ends the response (the job finished, or the server is shutting down). */
  end(): void {
    if (!this.closedFlag) this.raw.end();
    this.markClosed();
  }

  private write(chunk: string | Buffer): void {
    if (!this.closedFlag) this.raw.write(chunk);
  }

  private markClosed(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
