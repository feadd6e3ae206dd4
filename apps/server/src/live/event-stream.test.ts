import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { encodeEvents, EventStream, formatEvent, type SseEvent } from './event-stream.js';

const event = (id: number, message = `line ${id}`): SseEvent => ({
  id: String(id),
  event: 'log',
  data: { id: String(id), message },
});

const wire = (events: SseEvent[]) => events.map(formatEvent).join('');

describe('encodeEvents', () => {
  it('encodes the events as the SSE wire text, UTF-8', () => {
    const events = [event(1), event(2, 'café ✓'), event(3)];
    const bytes = encodeEvents(events);
    expect(bytes.toString('utf8')).toBe(wire(events));
    expect(bytes.toString('utf8')).toContain('"message":"café ✓"');
    expect(bytes.length).toBe(Buffer.byteLength(wire(events)));
  });

  it('gives every stream that sends the same run of event objects the same bytes, encoded once', () => {
    const rows = [event(1), event(2), event(3)];
    const first = encodeEvents(rows.slice(0, 3));
    const second = encodeEvents(rows.slice(0, 3));
    expect(second).toBe(first);
  });

  it('encodes a different run starting with the same event anew', () => {
    const rows = [event(1), event(2), event(3), event(4)];
    const long = encodeEvents(rows);
    const short = encodeEvents(rows.slice(0, 2));
    expect(short.toString('utf8')).toBe(wire(rows.slice(0, 2)));
    // The shorter run took the memo; the longer one is still encoded right.
    const longAgain = encodeEvents(rows);
    expect(longAgain.toString('utf8')).toBe(wire(rows));
    expect(longAgain.equals(long)).toBe(true);
  });

  it('does not share bytes between equal-looking but different event objects', () => {
    const a = [event(1), event(2)];
    const b = [event(1), event(2, 'changed')];
    expect(encodeEvents(a).toString('utf8')).toBe(wire(a));
    expect(encodeEvents(b).toString('utf8')).toBe(wire(b));
  });
});

describe('EventStream', () => {
  // A client on a thread of its own (its own event loop) notes when the event arrives, by the wall clock.
  const CLIENT = `
    const { parentPort, workerData } = require('node:worker_threads');
    const http = require('node:http');
    http.get(workerData.url, (response) => {
      response.setEncoding('utf8');
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
        if (text.includes('retry:')) parentPort.postMessage({ type: 'open' });
        if (text.includes('event: log')) {
          parentPort.postMessage({ type: 'event', at: Date.now() });
          response.destroy();
        }
      });
    });
  `;

  it('sends an event at once, even while this thread runs a long chain of microtasks', async () => {
    let resolveStream: (stream: EventStream) => void = () => {};
    const opened = new Promise<EventStream>((resolve) => (resolveStream = resolve));
    const server = http.createServer((_request, response) =>
      resolveStream(new EventStream(response, { heartbeatMs: 60_000, maxBufferedBytes: 1 << 20 })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new Worker(CLIENT, { eval: true, workerData: { url: `http://127.0.0.1:${port}/` } });
    const messages: { type: string; at?: number }[] = [];
    client.on('message', (message: { type: string; at?: number }) => messages.push(message));
    const next = async (type: string) => {
      for (;;) {
        const found = messages.find((message) => message.type === type);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    try {
      const stream = await opened;
      await next('open');

      // What the embedded database does for a transaction: statement after statement resolved as microtasks,
      // never yielding to the event loop (no timers, no I/O, no process.nextTick) until the chain ends.
      stream.send(event(1));
      const busyUntil = Date.now() + 400;
      while (Date.now() < busyUntil) await Promise.resolve();
      const chainEnded = Date.now();

      const { at } = await next('event');
      expect(at).toBeLessThan(chainEnded);
    } finally {
      await client.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
