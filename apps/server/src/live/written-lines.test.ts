import { describe, expect, it } from 'vitest';
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
});
