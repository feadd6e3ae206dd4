import { randomBytes } from 'node:crypto';

/**
 * The webhook body (docs/webhooks.md). Serialized once at planning: every attempt sends and signs these bytes.
 * `itemsJson` is `JSON.stringify(items)`, already made by the payload encoder (an item shared by many sites is
 * serialized once per plan).
 */
export function webhookBody(input: {
  site: { id: string; slug: string; name: string };
  version: number;
  jobId: string;
  itemsJson: string;
  timestamp: Date;
}): string {
  const head = JSON.stringify({
    type: 'content.synced',
    timestamp: input.timestamp.toISOString(),
    data: { site: input.site, version: input.version, job_id: input.jobId },
  });
  // `head` ends with the two closing braces of `data` and of the body: the items go in before them.
  return `${head.slice(0, -2)},"items":${input.itemsJson}}}`;
}

/** Standard Webhooks message id: one per delivery, the same on every retry, so receivers can dedupe. */
export function newWebhookId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}
