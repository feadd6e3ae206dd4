import { describe, expect, it } from 'vitest';
import { endLine, jobEndEvents, jobStatusOf, type JobCounts } from './job-status.js';

const counts = (values: Partial<JobCounts>): JobCounts => ({
  delivered: 0,
  upToDate: 0,
  failed: 0,
  superseded: 0,
  ...values,
});

describe('jobStatusOf', () => {
  it.each([
    [{ delivered: 3 }, 'success'],
    [{ delivered: 1, upToDate: 2 }, 'success'],
    [{ upToDate: 3 }, 'success'],
    [{}, 'success'],
    [{ delivered: 2, failed: 1 }, 'partial'],
    [{ upToDate: 1, failed: 1 }, 'partial'],
    [{ delivered: 1, superseded: 1 }, 'partial'],
    [{ failed: 1 }, 'failed'],
    [{ superseded: 1 }, 'failed'],
    [{ failed: 2, superseded: 1 }, 'failed'],
  ] as const)('%j → %s', (values, status) => {
    expect(jobStatusOf(counts(values))).toBe(status);
  });
});

describe('endLine', () => {
  it('names the failed sites and counts the superseded ones', () => {
    expect(endLine('partial', counts({ delivered: 2, failed: 1 }), ['instagram'])).toBe(
      'Sync partial: 2 delivered, 0 up to date, 1 failed (instagram), 0 superseded.',
    );
    expect(endLine('success', counts({ delivered: 1, upToDate: 2 }), [])).toBe(
      'Sync success: 1 delivered, 2 up to date, 0 failed, 0 superseded.',
    );
    expect(endLine('failed', counts({ superseded: 1 }), [])).toBe(
      'Sync failed: 0 delivered, 0 up to date, 0 failed, 1 superseded.',
    );
  });

  it('names at most the sites it is given, then how many more failed', () => {
    const named = Array.from({ length: 10 }, (_, n) => `site-${n}`);
    expect(endLine('failed', counts({ failed: 13 }), named)).toBe(
      `Sync failed: 0 delivered, 0 up to date, 13 failed (${named.join(', ')} and 3 more), 0 superseded.`,
    );
  });
});

describe('jobEndEvents', () => {
  const job = { organizationId: 'org-1', jobId: 'job-1' };

  it('raises sync.failed for a failed or partial job', () => {
    expect(jobEndEvents(job, 'failed')).toEqual([
      { type: 'sync.failed', organizationId: 'org-1', jobId: 'job-1', status: 'failed' },
    ]);
    expect(jobEndEvents(job, 'partial')).toEqual([
      { type: 'sync.failed', organizationId: 'org-1', jobId: 'job-1', status: 'partial' },
    ]);
  });

  it('raises nothing for a successful job', () => {
    expect(jobEndEvents(job, 'success')).toEqual([]);
  });
});
