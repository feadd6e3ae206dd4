import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait.js';
import { loadConfig } from '../../config.js';
import { startEngineThread } from './engine-thread.js';

// The supervision of the engine thread, with a stand-in thread that dies 100 ms after it is ready (no database):
// the real engine in its thread is engine-thread.int.test.ts.
it('starts a dead engine thread again, answers metrics while none runs, and restarts nothing once stopped', async () => {
  const errors: string[] = [];
  const thread = await startEngineThread({
    config: loadConfig({}),
    encryptionKey: Buffer.alloc(32),
    log: {
      info: () => {},
      warn: () => {},
      error: (_fields: unknown, message?: string) => errors.push(String(message)),
    },
    entry: new URL('../../../test/fixtures/dying-engine-thread.mjs', import.meta.url),
  });
  const restarts = () => errors.filter((message) => message.includes('starting it again')).length;
  // Dead at 100 ms, started again 1 s later, dead again: two restarts prove it is not a one-off.
  await waitFor('two restarts', () => restarts() >= 2, 10_000);
  expect(errors.every((message) => message.includes('starting it again'))).toBe(true);

  // Whether a thread runs at this moment or not, a scrape gets an answer (empty from this stand-in) at once.
  await expect(thread.metrics()).resolves.toEqual([]);
  await thread.stop();
  const after = restarts();
  await sleep(1_500);
  expect(restarts()).toBe(after);
});
