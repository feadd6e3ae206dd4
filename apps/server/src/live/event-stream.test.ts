import { describe, expect, it } from 'vitest';
import { encodeEvents, formatEvent, type SseEvent } from './event-stream.js';

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
