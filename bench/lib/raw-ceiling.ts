import { randomBytes } from 'node:crypto';
import { webhookHeaders } from '../../apps/server/src/sync/deliver/sign.js';
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
 * The hardware ceiling: undici's dispatcher (its leanest API, the one the engine's client uses) over a keep-alive
 * Agent of `connections` connections, `connections` requests in flight, each a POST of `bodyBytes` signed with a
 * fresh Standard Webhooks signature (as the engine signs every attempt), against the bare receiver. The answer is
 * read and dropped. No database, no queue, no guard, no timeout.
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
  const { origin, pathname, search } = new URL(options.url);
  let next = 0;
  let failures = 0;
  const post = (headers: Record<string, string>) =>
    new Promise<number | null>((resolve) => {
      let status: number | null = null;
      agent.dispatch(
        { origin, path: `${pathname}${search}`, method: 'POST', headers, body },
        // undici 7's handler (the server's); the types at hand are the root's undici 6, which names them otherwise.
        {
          onRequestStart: () => {}, // undici takes a handler for one of this kind by this method
          onResponseStart: (_controller: unknown, statusCode: number) => void (status = statusCode),
          onResponseEnd: () => resolve(status),
          onResponseError: () => resolve(null),
        } as unknown as Parameters<InstanceType<typeof undici.Agent>['dispatch']>[1],
      );
    });
  const sender = async () => {
    while (next < options.requests) {
      const index = next++;
      const headers = webhookHeaders({
        id: `msg_bench_${index}`,
        timestamp: Math.floor(Date.now() / 1000),
        body,
        secrets: [secret],
      });
      if ((await post(headers)) !== 200) failures++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections }, sender));
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  return { requests: options.requests, seconds, perSecond: options.requests / seconds, failures };
}
