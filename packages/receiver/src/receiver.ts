import { createKeyedQueue } from './keyed-queue.js';
import { parsePayload } from './parse-payload.js';
import { problem, success, tooLarge } from './problem.js';
import type {
  ContentSyncedEvent,
  ReceiverOptions,
  ReceiverRequest,
  ReceiverResponse,
  ReceiverStore,
  SiteRecord,
} from './types.js';
import { stateKeyFor } from './state-key.js';
import { verifySignature, webhookFor } from './verify-signature.js';

export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
const DEFAULT_REMEMBERED_IDS = 100;
/** A secrets function may return new secrets over time: the cache of their state keys starts over past this. */
const MAX_CACHED_STATE_KEYS = 1000;

export interface WebhookReceiver {
  readonly maxBodyBytes: number;
  /** Verifies, validates and applies one delivery; never throws (a failing store is a 500 answer). */
  receive(request: ReceiverRequest): Promise<ReceiverResponse>;
  /** The 413 answer, for adapters that stop reading an over-long body before calling `receive`. */
  tooLarge(): ReceiverResponse;
}

const decoder = new TextDecoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

export function createReceiver(options: ReceiverOptions): WebhookReceiver {
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const now = options.now ?? Date.now;
  const remember = options.rememberWebhookIds ?? DEFAULT_REMEMBERED_IDS;
  const perState = createKeyedQueue();
  // A typo in a fixed secret should stop the start-up, not turn every delivery into a 500.
  if (typeof options.secrets !== 'function') options.secrets.forEach(webhookFor);

  // One digest per secret, shared: concurrent deliveries then await the same promise and enter the per-key queue
  // in the order they arrived (separate digests could finish in any order).
  const stateKeys = new Map<string, Promise<string>>();
  const cachedStateKey = (secret: string) => {
    let key = stateKeys.get(secret);
    if (!key) {
      if (stateKeys.size >= MAX_CACHED_STATE_KEYS) stateKeys.clear();
      stateKeys.set(secret, (key = stateKeyFor(secret)));
    }
    return key;
  };

  const currentSecrets = async () =>
    typeof options.secrets === 'function' ? await options.secrets() : options.secrets;

  async function receive(request: ReceiverRequest): Promise<ReceiverResponse> {
    const size = (typeof request.body === 'string' ? encoder.encode(request.body) : request.body).byteLength;
    if (size > maxBodyBytes) return tooLarge(maxBodyBytes);
    // The signature covers the decoded text (as `standardwebhooks` computes it), so invalid UTF-8 bytes are only
    // refused once the request is known to be authentic; decoded leniently, they would be stored as U+FFFD.
    let text: string;
    let validUtf8 = true;
    if (typeof request.body === 'string') text = request.body;
    else {
      try {
        text = strictDecoder.decode(request.body);
      } catch {
        validUtf8 = false;
        text = decoder.decode(request.body);
      }
    }

    // Authenticity first: an unsigned body is not worth parsing, and its shape is nobody's business.
    const verification = verifySignature({
      headers: request.headers,
      body: text,
      secrets: await currentSecrets(),
      toleranceSeconds,
      nowMs: now(),
    });
    if (!verification.ok) return problem(401, 'unauthorized', 'invalid-signature', verification.reason);

    const parsed = validUtf8
      ? parsePayload(text)
      : { ok: false as const, errors: [{ in: 'body' as const, pointer: '', message: 'is not valid UTF-8' }] };
    if (!parsed.ok) {
      return problem(400, 'malformed', 'validation-error', 'The webhook body is invalid.', {
        errors: parsed.errors,
      });
    }
    const event = parsed.event;
    const keys = await Promise.all(verification.secrets.map(cachedStateKey));
    return perState(keys[0]!, () => apply(options.store, event, verification.webhookId, keys));
  }

  /**
   * The newest record kept under any of `keys`. During a rotation DataSync signs with the new and the previous
   * secret, so a site's state lives under both keys until the old secret is dropped, and none is lost then.
   * Nothing under any key: the record an earlier version of this package kept under the payload's site id (read
   * only; it is written under the keys from then on).
   */
  async function readState(store: ReceiverStore, keys: string[], siteId: string) {
    const records = await Promise.all(keys.map((key) => store.read(key)));
    const newest = records
      .filter((record): record is SiteRecord => record !== undefined)
      .sort((a, b) => b.version - a.version)[0];
    return newest ?? (await store.read(siteId));
  }

  async function apply(store: ReceiverStore, event: ContentSyncedEvent, webhookId: string, keys: string[]) {
    const siteId = event.data.site.id;
    const version = event.data.version;
    try {
      const stored = await readState(store, keys, siteId);
      if (stored?.appliedWebhookIds.includes(webhookId)) {
        return {
          ...success('already_applied', { site_id: siteId, version: stored.version }),
          record: stored,
        };
      }
      if (stored && version <= stored.version) {
        return problem(
          409,
          'stale',
          'stale-version',
          `Version ${version} is not newer than the stored version ${stored.version}; content never goes back.`,
          { stored_version: stored.version },
        );
      }
      const record: SiteRecord = {
        siteId,
        version,
        webhookId,
        appliedWebhookIds: [...(stored?.appliedWebhookIds ?? []), webhookId].slice(-remember),
        appliedAt: new Date(now()).toISOString(),
        event,
      };
      for (const key of keys) await store.write(key, record);
      return { ...success('applied', { site_id: siteId, version }), record };
    } catch {
      // Nothing was applied (writes are atomic), so the sender may safely retry.
      return problem(500, 'store_failed', 'store-failed', 'The payload could not be stored; retry later.');
    }
  }

  async function receiveSafely(request: ReceiverRequest): Promise<ReceiverResponse> {
    try {
      return await receive(request);
    } catch (error) {
      // Only configuration faults reach here (an undecodable secret from a secrets function).
      return problem(500, 'receiver_error', 'receiver-error', (error as Error).message);
    }
  }

  return { maxBodyBytes, receive: receiveSafely, tooLarge: () => tooLarge(maxBodyBytes) };
}
