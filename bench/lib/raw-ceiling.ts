import { randomBytes } from 'node:crypto';
import { webhookHeaders } from '../../apps/server/src/sync/sign.js';
import { undici } from './server-undici.js';

export interface RawRun {
  requests: number;
  seconds: number;
  perSecond: number;
  failures: number;
}

/** A JSON body of `bytes` bytes (ASCII), shaped like a webhook so the receiver parses nothing unusual. */
export function filler(bytes: number): string {
  const head = '{"type":"content.synced","data":"';
  const tail = '"}';
  return head + 'x'.repeat(Math.max(0, bytes - head.length - tail.length)) + tail;
}

/**
 * The hardware ceiling: undici `request` over a keep-alive Agent of `connections` connections, `connections`
 * requests in flight, each a POST of `bodyBytes` signed with a fresh Standard Webhooks signature (as the engine
 * signs every attempt), against the bare receiver. No database, no queue, no guard.
 */
export async function measureRawCeiling(options: {
  url: string;
  requests: number;
  connections: number;
  bodyBytes: number;
}): Promise<RawRun> {
  const body = filler(options.bodyBytes);
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const agent = new undici.Agent({ connections: options.connections });
  let next = 0;
  let failures = 0;
  const sender = async () => {
    while (next < options.requests) {
      const index = next++;
      const headers = webhookHeaders({
        id: `msg_bench_${index}`,
        timestamp: Math.floor(Date.now() / 1000),
        body,
        secrets: [secret],
      });
      try {
        const response = await undici.request(options.url, {
          dispatcher: agent,
          method: 'POST',
          headers,
          body,
        });
        await response.body.dump();
        if (response.statusCode !== 200) failures++;
      } catch {
        failures++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections }, sender));
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  return { requests: options.requests, seconds, perSecond: options.requests / seconds, failures };
}
