import { Worker } from 'node:worker_threads';

// Sampled from a worker thread: the main thread's event loop can be blocked for seconds (a long PGlite
// transaction), and a timer there would miss exactly the busiest moments. RSS is per process, so any thread reads it.
const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
let peak = process.memoryUsage.rss();
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  parentPort.postMessage(Math.max(peak, process.memoryUsage.rss()));
});
`;

/** Samples the process's resident set size every `everyMs`; `stop()` resolves to the peak in bytes. */
export async function sampleRss(everyMs = 50): Promise<{ before: number; stop(): Promise<number> }> {
  const worker = new Worker(SAMPLER, { eval: true, workerData: { everyMs } });
  await new Promise<void>((resolve) => worker.once('online', () => resolve()));
  return {
    before: process.memoryUsage.rss(),
    async stop() {
      const peak = new Promise<number>((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      const value = await peak;
      await worker.terminate();
      return value;
    },
  };
}
