import type { EventStream, SseEvent } from './event-stream.js';
import type { LogNotice, Wake } from './notification-hub.js';

/** `more`: a full batch was read, read again; `idle`: caught up, wait for a wake-up; `done`: end the stream. */
export type PullResult = 'more' | 'idle' | 'done';

/** Where a stream's events come from: rows read from the database after the feed's own position. */
export interface Feed {
  /** Whether a notification may hold something this feed has not read yet (null: a re-read is asked for). */
  concerns(notice: LogNotice | null): boolean;
  /** Reads one batch after the feed's position, sends its events, and moves the position past them. */
  pull(send: (event: SseEvent) => void): Promise<PullResult>;
}

/**
 * Pumps a feed into a stream: read until caught up, then wait to be woken. Wake-ups that come while a read is under
 * way are folded into one more read, so a burst of commits costs a few reads, not one each. While the client's
 * buffer is over its bound nothing is read: a slow client lags (its position is in the rows, not in memory) and
 * catches up once its socket drains. A failed read ends the stream; the client reconnects with Last-Event-ID.
 */
export function pump(
  stream: EventStream,
  feed: Feed,
  onError: (error: unknown) => void,
): { wake: Wake; done: Promise<void> } {
  let dirty = true;
  let running = false;
  let settle: () => void;
  const done = new Promise<void>((resolve) => (settle = resolve));
  stream.onClose(() => settle());

  const run = async () => {
    running = true;
    try {
      while (dirty && !stream.closed) {
        dirty = false;
        let result: PullResult;
        do {
          await stream.drained();
          if (stream.closed) return;
          const events: SseEvent[] = [];
          result = await feed.pull((event) => events.push(event));
          stream.sendAll(events);
        } while (result === 'more' && !stream.closed);
        if (result === 'done') stream.end();
      }
    } catch (error) {
      onError(error);
      stream.end();
    } finally {
      running = false;
    }
  };

  const wake: Wake = (notice) => {
    if (stream.closed || !feed.concerns(notice)) return;
    dirty = true;
    if (!running) void run();
  };
  void run();
  return { wake, done };
}
