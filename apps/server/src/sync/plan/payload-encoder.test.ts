import { describe, expect, it } from 'vitest';
import { createPayloadEncoder } from './payload-encoder.js';
import { hashItems, type PayloadItem } from './plan.js';
import {
  newWebhookId,
  webhookBody,
  webhookBodyBytes,
  webhookBodyBytesOf,
  webhookEnvelope,
} from './webhook-body.js';

const item = (
  id: string,
  data: Record<string, unknown>,
  mode: PayloadItem['mode'] = 'full',
): PayloadItem => ({
  id,
  title: `Item ${id}`,
  content_type: 'offer_banner',
  data,
  mode,
});

describe('createPayloadEncoder', () => {
  it('hashes exactly as hashItems and serializes exactly as JSON.stringify, whatever the key order', () => {
    const encode = createPayloadEncoder();
    const cases: PayloadItem[][] = [
      [],
      [item('a', { z: 1, a: { y: [3, { b: 1, a: 2 }], x: null } })],
      [item('a', { headline: 'Hi' }), item('b', { b: 2, a: 1 }, 'override'), item('c', { é: 'ü', '': 0 })],
    ];
    for (const items of cases) {
      const encoded = encode(items);
      expect(encoded.hash).toBe(hashItems(items));
      expect(encoded.itemsJson).toBe(JSON.stringify(items));
      expect(encoded.itemsBytes).toBe(Buffer.byteLength(JSON.stringify(items)));
    }
  });

  it('answers one payload object for sites that get the same items', () => {
    const encode = createPayloadEncoder();
    const shared = item('a', { headline: 'Same everywhere' });
    const first = encode([shared, item('b', { headline: 'Same override' }, 'override')]);
    const second = encode([shared, item('b', { headline: 'Same override' }, 'override')]);
    expect(second).toBe(first);
    expect(encode([shared])).not.toBe(first);
  });

  it('reuses a full item across sites but encodes overridden items per site', () => {
    const encode = createPayloadEncoder();
    const shared = item('a', { headline: 'Same everywhere' });
    const first = encode([shared, item('b', { headline: 'Site one' }, 'override')]);
    const second = encode([shared, item('b', { headline: 'Site two' }, 'override')]);
    expect(second.itemsJson).toContain('Site two');
    expect(second.hash).not.toBe(first.hash);
    expect(second.hash).toBe(hashItems([shared, item('b', { headline: 'Site two' }, 'override')]));
  });

  it('tells shared items apart by content and order when it skips re-hashing them', () => {
    const encode = createPayloadEncoder();
    const a = item('a', { headline: 'A' });
    const b = item('b', { headline: 'B' });
    // Another object with the same content is another content item's data: encoded on its own, same hash.
    const aTwin = item('a', { headline: 'A' });
    const payloads = [encode([a, b]), encode([b, a]), encode([a]), encode([aTwin, b]), encode([a, b])];
    expect(payloads.map((payload) => payload.hash)).toEqual([
      hashItems([a, b]),
      hashItems([b, a]),
      hashItems([a]),
      hashItems([a, b]),
      hashItems([a, b]),
    ]);
    expect(payloads[1]!.hash).not.toBe(payloads[0]!.hash);
    expect(payloads[4]).toBe(payloads[0]);
  });
});

describe('webhookBody', () => {
  it('is the documented envelope with the items spliced in, and its size is known without building it', () => {
    const items = [item('a', { headline: 'Hi — ünïcode' })];
    const envelope = webhookEnvelope({
      site: { id: 's1', slug: 'facebook', name: 'Facebook' },
      version: 7,
      jobId: 'j1',
      timestamp: new Date('2026-11-25T12:00:00.000Z'),
    });
    const itemsJson = JSON.stringify(items);
    const body = webhookBody(envelope, itemsJson);
    expect(JSON.parse(body)).toEqual({
      type: 'content.synced',
      timestamp: '2026-11-25T12:00:00.000Z',
      data: { site: { id: 's1', slug: 'facebook', name: 'Facebook' }, version: 7, job_id: 'j1', items },
    });
    expect(webhookBodyBytes(envelope, Buffer.byteLength(itemsJson))).toBe(Buffer.byteLength(body));
    // The worker builds the same body as bytes, from the items' UTF-8 bytes (non-ASCII here, and in the site name).
    const named = webhookEnvelope({
      site: { id: 's2', slug: 'cafe', name: 'Café Zoë' },
      version: 1,
      jobId: 'j2',
      timestamp: new Date('2026-11-25T12:00:00.000Z'),
    });
    expect(webhookBodyBytesOf(named, Buffer.from(itemsJson))).toEqual(
      Buffer.from(webhookBody(named, itemsJson), 'utf8'),
    );
  });
});

describe('newWebhookId', () => {
  it('gives Standard Webhooks ids of 16 random bytes, each one different, across refills of its pool', () => {
    const ids = Array.from({ length: 1_000 }, () => newWebhookId());
    for (const id of ids) expect(id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
