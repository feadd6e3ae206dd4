import { randomBytes } from 'node:crypto';
import type { ContentSyncedEvent, SyncedItem } from '@datasync/receiver';
import { Webhook } from 'standardwebhooks';

// For this app's tests: webhooks signed the way DataSync signs them, sent over real HTTP.

export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

export function offerItem(headline: string, extra: Record<string, unknown> = {}): SyncedItem {
  return {
    id: `item-${randomBytes(4).toString('hex')}`,
    title: headline,
    content_type: 'offer_banner',
    data: { headline, cta: { text: 'Shop now', url: 'https://shop.example/' }, ...extra },
    mode: 'full',
  };
}

export async function deliver(
  url: string,
  secret: string,
  options: { siteId?: string; siteName?: string; version?: number; items?: SyncedItem[]; id?: string } = {},
): Promise<Response> {
  const event: ContentSyncedEvent = {
    type: 'content.synced',
    timestamp: new Date().toISOString(),
    data: {
      site: {
        id: options.siteId ?? 'site-1',
        slug: 'facebook',
        name: options.siteName ?? 'Facebook Campaign',
      },
      version: options.version ?? 1,
      job_id: 'job-1',
      items: options.items ?? [offerItem('Summer Sale')],
    },
  };
  const body = JSON.stringify(event);
  const id = options.id ?? `msg_${randomBytes(8).toString('hex')}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    },
    body,
  });
}
