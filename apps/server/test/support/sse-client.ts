// A Server-Sent Events client for tests: a real HTTP request (fetch) whose body is read as it arrives and parsed
// into events, so tests see what a browser's EventSource would, including when the server ends the stream.

export interface ReceivedEvent {
  id: string;
  event: string;
  data: Record<string, unknown>;
  /** `Date.now()` when the event was parsed. */
  receivedAt: number;
}

export interface SseStream {
  readonly status: number;
  readonly contentType: string | null;
  /** Every event so far, in arrival order. */
  readonly events: ReceivedEvent[];
  /** Comment lines (heartbeats) so far. */
  readonly comments: string[];
  /** Resolves when the server ends the stream (or it is closed): true if the server ended it. */
  readonly ended: Promise<boolean>;
  /** Resolves once `predicate` holds for the events so far; rejects on timeout or if the stream ends first. */
  waitFor(what: string, predicate: (events: ReceivedEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves once the server has ended the stream; rejects on timeout. */
  untilEnd(timeoutMs?: number): Promise<ReceivedEvent[]>;
  close(): void;
}

/**
 * Opens `url` as an event stream. A non-200 answer resolves too (status and `body`), for the refusal tests.
 */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseStream & { body?: string }> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const events: ReceivedEvent[] = [];
  const comments: string[] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  let serverEnded = false;
  let done = false;

  if (response.status !== 200) {
    const body = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      events,
      comments,
      body,
      ended: Promise.resolve(true),
      waitFor: () => Promise.reject(new Error(`no stream: ${response.status} ${body}`)),
      untilEnd: () => Promise.resolve(events),
      close: () => {},
    };
  }

  const ended = (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) {
          serverEnded = true;
          break;
        }
        buffer += value;
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          parseBlock(block);
        }
        notify();
      }
    } catch {
      // Aborted by close().
    } finally {
      done = true;
      notify();
    }
    return serverEnded;
  })();

  function parseBlock(block: string) {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) {
      events.push({ id: id ?? '', event, data: JSON.parse(data.join('\n')), receivedAt: Date.now() });
    }
  }

  const waitFor = (what: string, predicate: (events: ReceivedEvent[]) => boolean, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (predicate(events)) finish();
        else if (done) finish(new Error(`the stream ended before ${what} (${events.length} events)`));
      };
      const timer = setTimeout(
        () =>
          finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${events.length} events)`)),
        timeoutMs,
      );
      const finish = (error?: Error) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      listeners.add(check);
      check();
    });

  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    comments,
    ended,
    waitFor,
    untilEnd: async (timeoutMs = 30_000) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the stream did not end within ${timeoutMs} ms (${events.length} events)`)),
          timeoutMs,
        );
      });
      try {
        if (!(await Promise.race([ended, timeout]))) throw new Error('the stream was closed, not ended');
        return events;
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => abort.abort(),
  };
}
