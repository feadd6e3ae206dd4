import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';
import { testDatabaseKind } from '../../../test/support/test-database.js';
import { createSyncJob, organizationWithSites } from '../../../test/support/sync-org.js';
import { startSyncEngine, type SyncEngine } from '../engine/engine.js';

// A `datasync worker` in another process hears of new work through NOTIFY instead of its next poll. Here the API
// runs without a worker, and a second engine on the same database (as another process would be) polls only once a
// minute: a job it finishes within seconds was announced to it.
describe.skipIf(testDatabaseKind() !== 'postgres')('work announced to workers of other processes', () => {
  let t: TestApp;
  let remote: SyncEngine;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await createTestApp({ allowedDestinationOrigins: [receiver.origin] }, { worker: false });
    remote = await startSyncEngine(t.database, {
      config: { ...loadConfig({ NODE_ENV: 'test' }), allowedDestinationOrigins: [receiver.origin] },
      encryptionKey: t.deps.keys.encryption,
      log: { info: () => {}, warn: () => {}, error: (...args: unknown[]) => console.error(...args) },
      workerOptions: { pollMs: 60_000 },
    });
    // Past its first fetch (at start): the worker now sleeps until woken or a minute has passed.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  afterAll(async () => {
    await remote?.stop();
    await t?.close();
    await receiver?.close();
  });

  it('a job created in one process is planned and delivered at once by a worker in another', async () => {
    const { owner } = await organizationWithSites(t.app, t.database.db, {
      label: 'Remote Org',
      count: 3,
      destinationUrl: receiver.url,
    });
    const started = Date.now();
    const id = await createSyncJob(t.app, owner);
    let status = 'queued';
    while (Date.now() - started < 10_000) {
      const job = await t.app.inject({
        method: 'GET',
        url: `/api/v1/sync-jobs/${id}`,
        headers: owner.headers,
      });
      status = (job.json() as { status: string }).status;
      if (status !== 'queued' && status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe('success');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(3);
  });
});
