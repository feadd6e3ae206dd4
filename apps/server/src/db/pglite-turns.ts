import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Starts each of the client's queries on a new turn of the event loop.
 *
 * PGlite runs a query in WebAssembly on this thread and resolves its promises as microtasks, so a transaction of
 * many statements (a plan chunk, a batch of outcomes) would run as one chain of microtasks: until it ended,
 * nothing else of the process would run — no socket read or written, no timer, no `process.nextTick`. The sync
 * engine's HTTP responses would wait for the database, and the database for them (longest event-loop stall during
 * a 10,000-site sync without the turns: ~250 ms). With a turn before each query the two overlap: statements still
 * run one at a time and a transaction still holds PGlite's own lock throughout, but sockets and timers are served
 * between statements.
 *
 * `_runExclusiveQuery` is part of PGlite's typed interface: the mutex every query (inside a transaction or not)
 * passes through. Measured in decision 016.
 */
export function yieldBetweenQueries(client: PGlite): void {
  const runExclusive = client._runExclusiveQuery.bind(client);
  client._runExclusiveQuery = async <T>(query: () => Promise<T>): Promise<T> => {
    await nextMacrotask();
    return runExclusive(query);
  };
}
