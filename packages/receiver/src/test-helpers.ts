import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { ContentSyncedEvent, ReceiverRequest, ReceiverStore, SiteRecord } from './types.js';

// Shared by this package's tests: events in the webhook format and requests signed the way DataSync signs them
// (with the standardwebhooks package, not the server's signer: the SDK must not depend on server code).

export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
export const newWebhookId = () => `msg_${randomBytes(12).toString('base64url')}`;
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function syncedEvent(
  options: { siteId?: string; version?: number; headline?: string } = {},
): ContentSyncedEvent {
  return {
    type: 'content.synced',
    timestamp: new Date().toISOString(),
    data: {
      site: { id: options.siteId ?? 'site-1', slug: 'facebook', name: 'Facebook Campaign' },
      version: options.version ?? 1,
      job_id: 'job-1',
      items: [
        {
          id: 'item-a',
          title: 'Summer Sale',
          content_type: 'offer_banner',
          data: {
            headline: options.headline ?? 'Summer Sale',
            cta: { text: 'Shop', url: 'https://shop.test/' },
          },
          mode: 'full',
        },
      ],
    },
  };
}

/** Headers as DataSync sends them; one `v1,` entry per secret, space-separated, as during a rotation. */
export function signatureHeaders(
  body: string,
  secrets: string[],
  options: { id?: string; timestampSeconds?: number } = {},
): Record<string, string> {
  const id = options.id ?? newWebhookId();
  const timestamp = options.timestampSeconds ?? nowSeconds();
  const signature = secrets
    .map((secret) => new Webhook(secret).sign(id, new Date(timestamp * 1000), body))
    .join(' ');
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  };
}

export function signedRequest(
  event: ContentSyncedEvent | string,
  secrets: string[],
  options: { id?: string; timestampSeconds?: number } = {},
): ReceiverRequest & { headers: Record<string, string>; body: string } {
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  return { headers: signatureHeaders(body, secrets, options), body };
}

/** A store whose reads and writes take time (so concurrent deliveries really overlap) and which logs its writes. */
export function slowStore(delayMs: number): ReceiverStore & { writes: SiteRecord[]; failNextWrite: boolean } {
  const records = new Map<string, SiteRecord>();
  const pause = () => new Promise((resolve) => setTimeout(resolve, delayMs));
  const store = {
    writes: [] as SiteRecord[],
    failNextWrite: false,
    async read(key: string) {
      await pause();
      return structuredClone(records.get(key));
    },
    async write(key: string, record: SiteRecord) {
      await pause();
      if (store.failNextWrite) {
        store.failNextWrite = false;
        throw new Error('disk full');
      }
      store.writes.push(structuredClone(record));
      records.set(key, structuredClone(record));
    },
  };
  return store;
}
