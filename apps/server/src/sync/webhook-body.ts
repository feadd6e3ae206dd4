import { randomBytes } from 'node:crypto';
import type { PayloadItem } from '@datasync/contracts';

/** The webhook body (docs/webhooks.md). Serialized once at planning: every attempt sends and signs these bytes. */
export function webhookBody(input: {
  site: { id: string; slug: string; name: string };
  version: number;
  jobId: string;
  items: PayloadItem[];
  timestamp: Date;
}): string {
  return JSON.stringify({
    type: 'content.synced',
    timestamp: input.timestamp.toISOString(),
    data: { site: input.site, version: input.version, job_id: input.jobId, items: input.items },
  });
}

/** Standard Webhooks message id: one per delivery, the same on every retry, so receivers can dedupe. */
export function newWebhookId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}
