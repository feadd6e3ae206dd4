import { randomBytes } from 'node:crypto';

/**
 * The webhook body (docs/webhooks.md) is stored in two parts, made once at planning: the envelope, which is the
 * body without its items, per delivery; and the items array, per distinct payload (migration 0004). Joined by
 * `webhookBody`, they give the same bytes on every attempt: signatures cover exactly what is sent.
 */
export function webhookEnvelope(input: {
  site: { id: string; slug: string; name: string };
  version: number;
  jobId: string;
  timestamp: Date;
}): string {
  return JSON.stringify({
    type: 'content.synced',
    timestamp: input.timestamp.toISOString(),
    data: { site: input.site, version: input.version, job_id: input.jobId },
  });
}

/** The body: the envelope with `itemsJson` (`JSON.stringify(items)`) as `data.items`. */
export function webhookBody(envelope: string, itemsJson: string): string {
  // The envelope ends with the two closing braces of `data` and of the body: the items go in before them.
  return `${envelope.slice(0, -2)}${ITEMS_KEY}${itemsJson}}}`;
}

const ITEMS_KEY = ',"items":';
const CLOSING = Buffer.from('}}');

/** `webhookBody` as bytes, from the items' UTF-8 bytes (shared by every delivery of one payload). */
export function webhookBodyBytesOf(envelope: string, items: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${envelope.slice(0, -2)}${ITEMS_KEY}`), items, CLOSING]);
}

/** The body's size in bytes, without building it. */
export function webhookBodyBytes(envelope: string, itemsBytes: number): number {
  return Buffer.byteLength(envelope) + ITEMS_KEY.length + itemsBytes;
}

// Random bytes drawn 4 KiB at a time: one randomBytes call per id would be 5 % of a 10,000-site plan's CPU.
const ID_BYTES = 16;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** Standard Webhooks message id: one per delivery, the same on every retry, so receivers can dedupe. */
export function newWebhookId(): string {
  if (poolOffset + ID_BYTES > pool.length) {
    pool = randomBytes(256 * ID_BYTES);
    poolOffset = 0;
  }
  const id = pool.toString('base64url', poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return `msg_${id}`;
}
