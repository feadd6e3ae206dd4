import { randomBytes } from 'node:crypto';
import { createDeliveryClient } from '../../apps/server/src/sync/deliver/deliver.js';
import { webhookHeaders } from '../../apps/server/src/sync/deliver/sign.js';
import { filler, type RawRun } from './raw-ceiling.js';

/**
 * The engine's own HTTP layer without the database: `createDeliveryClient` (SSRF-guarded connector, slots,
 * timeout race, bounded read) with its defaults, `concurrency` deliveries in flight as the worker runs them, each
 * signed per attempt. Compared with the raw ceiling it shows what the client costs; compared with the 1,000-site
 * sync, what the queue and the database cost.
 */
export async function measureDeliveryClient(options: {
  origin: string;
  requests: number;
  concurrency: number;
  bodyBytes: number;
}): Promise<RawRun> {
  const client = createDeliveryClient({ allowedOrigins: [options.origin] });
  const body = filler(options.bodyBytes);
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < options.requests) {
      const index = next++;
      const outcome = await client.deliver({
        url: `${options.origin}/client/${index}`,
        headers: () =>
          webhookHeaders({
            id: `msg_bench_${index}`,
            timestamp: Math.floor(Date.now() / 1000),
            body,
            secrets: [secret],
          }),
        body,
      });
      if (outcome.kind !== 'success') failures++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  return { requests: options.requests, seconds, perSecond: options.requests / seconds, failures };
}
