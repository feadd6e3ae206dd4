import { describe, expect, it } from 'vitest';
import { connectionErrorSummary, isConnectionError, retryWhileDisconnected } from './errors.js';

// Which failures mean "the database is not there right now" (retry when it is back) and which mean "it refused".

const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: SELECT 1'), { cause });

describe('isConnectionError', () => {
  it('recognizes a server going away or not there, also inside a Drizzle error', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      wrapped(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })),
      new Error('timeout exceeded when trying to connect'),
    ])
      expect(isConnectionError(error), error.message).toBe(true);
  });

  it('does not take a refused statement for one', () => {
    for (const error of [
      Object.assign(new Error('duplicate key value'), { code: '23505' }),
      wrapped(Object.assign(new Error('deadlock detected'), { code: '40P01' })),
      new Error('syntax error at or near ")"'),
      null,
      'a string',
    ])
      expect(isConnectionError(error), String(error)).toBe(false);
  });
});

describe('connectionErrorSummary', () => {
  it('keeps the code and message of the connection error, not the query and parameters around it', () => {
    const error = Object.assign(
      new Error('Failed query: select * from "user" where email = $1\nparams: someone@example.test'),
      { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }) },
    );
    expect(connectionErrorSummary(error)).toEqual({
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED 127.0.0.1:5432',
    });
    expect(connectionErrorSummary(new Error('syntax error'))).toEqual({});
  });
});

describe('retryWhileDisconnected', () => {
  it('runs the work again while the database is unreachable, then answers', async () => {
    let calls = 0;
    const retries: number[] = [];
    const answer = await retryWhileDisconnected(
      async () => {
        calls += 1;
        if (calls < 3) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return 'recorded';
      },
      { onRetry: (_error, attempt) => retries.push(attempt) },
    );
    expect(answer).toBe('recorded');
    expect(retries).toEqual([1, 2]);
  });

  it('throws other errors at once, and a connection error once the time is up', async () => {
    let calls = 0;
    await expect(
      retryWhileDisconnected(async () => {
        calls += 1;
        throw Object.assign(new Error('duplicate key value'), { code: '23505' });
      }),
    ).rejects.toThrow('duplicate key');
    expect(calls).toBe(1);
    await expect(
      retryWhileDisconnected(
        async () => {
          throw new Error('Connection terminated unexpectedly');
        },
        { maxMs: 250 },
      ),
    ).rejects.toThrow('Connection terminated');
  });
});
