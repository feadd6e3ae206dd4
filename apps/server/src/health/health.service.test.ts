import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isConnectionError } from '../db/errors.js';
import { openPostgres } from '../db/postgres.js';
import type { Database } from '../db/types.js';
import { databaseHealth } from './health.service.js';

// A database host that accepts the connection and never answers (a hung server, a half-open network path): neither
// the health check nor a query may wait on it forever.

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

describe('databaseHealth', { timeout: 30_000 }, () => {
  it('answers unreachable within a few seconds, and a query fails as a connection error, on a silent server', async () => {
    const port = await silentServer();
    const database: Database = await openPostgres(`postgres://postgres@127.0.0.1:${port}/silent`, 2);
    cleanups.push(() => database.close().catch(() => {}));

    const started = performance.now();
    const query = database.executeSql('SELECT 1').then(
      () => 'answered',
      (error: unknown) => error,
    );
    expect(await databaseHealth(database.db)).toBe('unreachable');
    const healthMs = performance.now() - started;
    const error = await query;
    const queryMs = performance.now() - started;
    console.log(
      `[database down] silent server: health check unreachable after ${healthMs.toFixed(0)} ms, ` +
        `query failed after ${queryMs.toFixed(0)} ms`,
    );
    expect(healthMs).toBeGreaterThanOrEqual(2_900);
    expect(healthMs).toBeLessThan(6_000);
    expect(isConnectionError(error), String(error)).toBe(true);
    expect(queryMs).toBeGreaterThanOrEqual(9_900);
    expect(queryMs).toBeLessThan(15_000);
  });
});
