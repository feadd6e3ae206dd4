import { createHmac } from 'node:crypto';

// Standard Webhooks signatures (https://www.standardwebhooks.com): receivers verify them with any Standard Webhooks
// library (`standardwebhooks` on npm, Svix's SDKs), so the exact byte layout below is a public contract. The shared
// vectors in apps/server/test/fixtures/standard-webhooks-vectors.json pin it down.

const SECRET_PREFIX = 'whsec_';

export interface SignInput {
  /** `webhook-id`: stable across every retry of one delivery, so receivers can dedupe on it. */
  id: string;
  /** `webhook-timestamp`: unix seconds, fresh per HTTP attempt (receivers reject stale ones). */
  timestamp: number;
  /** The exact request body (a string is signed as UTF-8): the signature covers these bytes, so never re-serialize. */
  body: string | Uint8Array;
  /** Every secret that currently signs, current first; after a rotation the previous one too. */
  secrets: string[];
}

/** The HMAC key of a `whsec_<base64>` secret (the prefix is optional, as in the reference libraries). */
function signingKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new Error('a webhook signing secret must not be empty');
  return key;
}

/** The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret, space-separated. */
export function signWebhook({ id, timestamp, body, secrets }: SignInput): string {
  if (secrets.length === 0) throw new Error('a webhook needs at least one signing secret');
  if (!Number.isSafeInteger(timestamp))
    throw new Error('webhook timestamp must be an integer (unix seconds)');
  // "id.timestamp." and then the body, fed to the HMAC as they are: a 16 KB body is not copied into one string.
  const prefix = `${id}.${timestamp}.`;
  return secrets
    .map((secret) => {
      const hmac = createHmac('sha256', signingKey(secret)).update(prefix, 'utf8');
      if (typeof body === 'string') hmac.update(body, 'utf8');
      else hmac.update(body);
      return `v1,${hmac.digest('base64')}`;
    })
    .join(' ');
}

export interface WebhookHeaders {
  'content-type': 'application/json';
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  [name: string]: string;
}

/** Every header a signed webhook request carries. */
export function webhookHeaders(input: SignInput): WebhookHeaders {
  return {
    'content-type': 'application/json',
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signWebhook(input),
  };
}
