import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.js';
import type { LiveLogRow } from './live.repo.js';
import { WrittenLines } from './written-lines.js';

const line = (jobId: string, id: number): LiveLogRow => ({
  log: {
    id,
    organizationId: 'org',
    jobId,
    siteId: null,
    level: 'info',
    message: `line ${id}`,
    metadata: null,
    siteStatus: null,
    jobStatus: null,
    createdAt: '2026-11-30T00:00:00.000Z',
  },
  siteSlug: null,
});

describe('WrittenLines', () => {
  it('keeps only followed jobs, under (job, greatest id), in id order, for one take', () => {
    const written = new WrittenLines();
    written.keep('a', [line('a', 1)]);
    expect(written.size).toBe(0);

    const unfollow = written.follow('a');
    expect(written.wants('a')).toBe(true);
    expect(written.wants('b')).toBe(false);
    written.keep('a', [line('a', 7), line('a', 5), line('a', 6)]);
    expect(written.take('a', 6)).toBeUndefined();
    expect(written.take('a', 7)?.map((row) => row.log.id)).toEqual([5, 6, 7]);
    expect(written.take('a', 7)).toBeUndefined();

    written.keep('a', [line('a', 9)]);
    unfollow();
    unfollow(); // a second call changes nothing
    expect(written.wants('a')).toBe(false);
    expect(written.size).toBe(0);
  });

  it('follows a job until its last follower stops, and drops only that job', () => {
    const written = new WrittenLines();
    const first = written.follow('a');
    const second = written.follow('a');
    const other = written.follow('b');
    written.keep('a', [line('a', 1)]);
    written.keep('b', [line('b', 2)]);
    first();
    expect(written.wants('a')).toBe(true);
    expect(written.size).toBe(2);
    second();
    expect(written.wants('a')).toBe(false);
    expect(written.take('a', 1)).toBeUndefined();
    expect(written.take('b', 2)).toHaveLength(1);
    other();
  });

  it('forgets lines whose notification never came (a rolled-back transaction) after a minute', () => {
    let now = 0;
    const written = new WrittenLines(() => now);
    written.follow('a');
    written.keep('a', [line('a', 1)]);
    now = 59_000;
    written.keep('a', [line('a', 2)]);
    expect(written.size).toBe(2);
    now = 61_000;
    written.keep('a', [line('a', 3)]);
    expect(written.take('a', 1)).toBeUndefined();
    expect(written.take('a', 2)).toHaveLength(1);
    expect(written.take('a', 3)).toHaveLength(1);
  });

  it('holds at most 1,000 statements, dropping the oldest', () => {
    const written = new WrittenLines();
    written.follow('a');
    for (let id = 1; id <= 1_001; id++) written.keep('a', [line('a', id)]);
    expect(written.size).toBe(1_000);
    expect(written.take('a', 1)).toBeUndefined();
    expect(written.take('a', 2)).toHaveLength(1);
    expect(written.take('a', 1_001)).toHaveLength(1);
  });

  describe('shared across the isolates of a process', () => {
    /** Two instances on a channel of their own, as the API thread and the engine thread share theirs. */
    function pair() {
      const channel = `written-lines-test-${randomUUID()}`;
      const api = new WrittenLines();
      const engine = new WrittenLines();
      const stops = [api.shareAcrossThreads(channel), engine.shareAcrossThreads(channel)];
      return { api, engine, stop: () => stops.forEach((stop) => stop()) };
    }

    it('hands the lines one isolate writes to the isolate whose tail follows the job, for one take', async () => {
      const { api, engine, stop } = pair();
      try {
        const unfollow = api.follow('a');
        await waitFor('the engine to learn of the follower', () => engine.wants('a'), 2_000);
        expect(engine.wants('b')).toBe(false);
        engine.keep('a', [line('a', 4), line('a', 3)]);
        engine.keep('b', [line('b', 5)]);
        await waitFor('the lines to arrive', () => api.size === 1, 2_000);
        expect(engine.size).toBe(0); // the engine keeps nothing for a job it does not follow itself
        expect(api.take('a', 4)?.map((row) => row.log.id)).toEqual([3, 4]);
        expect(api.take('a', 4)).toBeUndefined();

        unfollow();
        await waitFor('the engine to learn the job is let go', () => !engine.wants('a'), 2_000);
      } finally {
        stop();
      }
    });

    it('tells an isolate that joins later what is followed, and forgets it once sharing stops', async () => {
      const channel = `written-lines-test-${randomUUID()}`;
      const api = new WrittenLines();
      const stopApi = api.shareAcrossThreads(channel);
      api.follow('a');
      const engine = new WrittenLines();
      const stopEngine = engine.shareAcrossThreads(channel);
      try {
        await waitFor('the late engine to learn of the follower', () => engine.wants('a'), 2_000);
        expect(() => engine.shareAcrossThreads(channel)).toThrow(/already shared/);
        stopApi();
        // Lines kept meanwhile go nowhere: nobody listens on the API's side any more.
        engine.keep('a', [line('a', 1)]);
        stopEngine();
        expect(engine.wants('a')).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(api.size).toBe(0);
      } finally {
        stopApi();
        stopEngine();
      }
    });
  });
});
