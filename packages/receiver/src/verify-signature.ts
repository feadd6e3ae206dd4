import { Webhook } from 'standardwebhooks';
import { headerValue } from './headers.js';
import type { HeaderSource } from './types.js';

/** `secrets`: every configured secret that verified the request (two during a rotation), in configured order. */
export type Verification = { ok: true; webhookId: string; secrets: string[] } | { ok: false; reason: string };

export interface VerifyInput {
  headers: HeaderSource;
  body: string;
  secrets: readonly string[];
  toleranceSeconds: number;
  nowMs: number;
}

const TIMESTAMP = /^\d{1,15}$/;
const MAX_WEBHOOK_ID_LENGTH = 256;

/** Compares without an early exit, so the time taken does not reveal how much of a forged signature was right. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** Throws a clear error for a secret the library cannot decode: a configuration mistake, not a bad request. */
export function webhookFor(secret: string): Webhook {
  try {
    return new Webhook(secret);
  } catch (error) {
    throw new TypeError(`Invalid signing secret (expected whsec_<base64>): ${(error as Error).message}`);
  }
}

/** Throws unless `secret` is a signing secret this package can use: check configuration before it is needed. */
export function assertSigningSecret(secret: string): void {
  webhookFor(secret);
}

/**
 * Standard Webhooks verification with our own clock and tolerance (the library's `verify` hard-codes 5 minutes and
 * `Date.now`): the timestamp is checked here, and `standardwebhooks` computes the expected `v1` signature for each
 * secret. The request is authentic if any signature entry matches any secret, which covers rotation on both sides.
 */
export function verifySignature(input: VerifyInput): Verification {
  const webhookId = headerValue(input.headers, 'webhook-id');
  const timestamp = headerValue(input.headers, 'webhook-timestamp');
  const signatures = headerValue(input.headers, 'webhook-signature');
  const missing = [
    ['webhook-id', webhookId],
    ['webhook-timestamp', timestamp],
    ['webhook-signature', signatures],
  ].filter(([, value]) => !value);
  if (missing.length > 0)
    return { ok: false, reason: `Missing ${missing.map(([name]) => name).join(', ')}.` };
  if (webhookId!.length > MAX_WEBHOOK_ID_LENGTH) return { ok: false, reason: 'webhook-id is too long.' };
  if (!TIMESTAMP.test(timestamp!)) return { ok: false, reason: 'webhook-timestamp is not Unix seconds.' };

  const skewSeconds = Math.abs(Math.floor(input.nowMs / 1000) - Number(timestamp));
  if (skewSeconds > input.toleranceSeconds) {
    return {
      ok: false,
      reason: `webhook-timestamp is ${skewSeconds} s from this receiver's clock (tolerance ${input.toleranceSeconds} s).`,
    };
  }
  if (input.secrets.length === 0) return { ok: false, reason: 'No signing secret is configured.' };

  const offered = signatures!
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => entry.slice(3));
  const signedAt = new Date(Number(timestamp) * 1000);
  // Every secret is tried and every offered entry compared, matched or not, to keep the timing independent of
  // which one matched; all matching secrets are returned, since the receiver keeps state under each of them.
  const matched = input.secrets.filter((secret) => {
    const expected = webhookFor(secret).sign(webhookId!, signedAt, input.body).slice(3);
    return offered.map((candidate) => constantTimeEqual(candidate, expected)).includes(true);
  });
  if (matched.length > 0) return { ok: true, webhookId: webhookId!, secrets: matched };
  return { ok: false, reason: 'No signature matches a configured secret.' };
}
