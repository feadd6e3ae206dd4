import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createReceiver } from './receiver.js';
import { stateKeyFor } from './state-key.js';
import { createMemoryStore } from './stores/memory-store.js';
import {
  newSecret,
  newWebhookId,
  nowSeconds,
  signedRequest,
  slowStore,
  syncedEvent,
} from './test-helpers.js';
import type { ReceiverResponse } from './types.js';

const secret = newSecret();
const json = (answer: ReceiverResponse) => JSON.parse(answer.body) as Record<string, unknown>;

function setUp(options: Partial<Parameters<typeof createReceiver>[0]> = {}) {
  const store = createMemoryStore();
  const receiver = createReceiver({ secrets: [secret], store, ...options });
  return { store, receiver };
}

describe('receive: applying', () => {
  it('applies a signed payload: 200 "applied", and the store holds it', async () => {
    const { store, receiver } = setUp();
    const request = signedRequest(syncedEvent({ version: 1 }), [secret]);
    const answer = await receiver.receive(request);
    expect([answer.status, answer.outcome, json(answer)]).toEqual([
      200,
      'applied',
      { status: 'applied', site_id: 'site-1', version: 1 },
    ]);
    expect(await store.read(await stateKeyFor(secret))).toMatchObject({
      version: 1,
      webhookId: request.headers['webhook-id'],
      event: { data: { items: [{ title: 'Summer Sale' }] } },
    });
  });

  it('answers a replayed webhook-id with 200 "already applied" and applies nothing twice', async () => {
    const store = slowStore(0);
    const receiver = createReceiver({ secrets: [secret], store });
    const id = newWebhookId();
    const body = JSON.stringify(syncedEvent({ version: 1 }));
    expect((await receiver.receive(signedRequest(body, [secret], { id }))).outcome).toBe('applied');
    // A retry is signed afresh (new timestamp) but keeps its id.
    const retry = await receiver.receive(
      signedRequest(body, [secret], { id, timestampSeconds: nowSeconds() + 5 }),
    );
    expect([retry.status, json(retry).status]).toEqual([200, 'already_applied']);
    expect(store.writes).toHaveLength(1);
  });

  it('answers a late retry of an older, already applied delivery with 200, keeping the newer content', async () => {
    const { store, receiver } = setUp();
    const first = signedRequest(syncedEvent({ version: 1, headline: 'old' }), [secret]);
    await receiver.receive(first);
    await receiver.receive(signedRequest(syncedEvent({ version: 2, headline: 'new' }), [secret]));
    const late = await receiver.receive(
      signedRequest(first.body, [secret], { id: first.headers['webhook-id'] }),
    );
    expect([late.status, late.outcome]).toEqual([200, 'already_applied']);
    expect((await store.read(await stateKeyFor(secret)))!.version).toBe(2);
  });

  it('refuses an older or equal version under another id with 409; content never goes back', async () => {
    const { store, receiver } = setUp();
    await receiver.receive(signedRequest(syncedEvent({ version: 3, headline: 'v3' }), [secret]));
    for (const version of [2, 3]) {
      const answer = await receiver.receive(
        signedRequest(syncedEvent({ version, headline: 'older' }), [secret]),
      );
      expect([answer.status, answer.outcome]).toEqual([409, 'stale']);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(json(answer)).toMatchObject({ type: 'urn:datasync:problem:stale-version', stored_version: 3 });
    }
    const stored = await store.read(await stateKeyFor(secret));
    expect([stored!.version, stored!.event.data.items[0]!.data.headline]).toEqual([3, 'v3']);
  });

  it('applies versions that skip numbers', async () => {
    const { store, receiver } = setUp();
    await receiver.receive(signedRequest(syncedEvent({ version: 1 }), [secret]));
    expect((await receiver.receive(signedRequest(syncedEvent({ version: 7 }), [secret]))).status).toBe(200);
    expect((await store.read(await stateKeyFor(secret)))!.version).toBe(7);
  });

  it('forgets the oldest webhook ids beyond rememberWebhookIds', async () => {
    const { store, receiver } = setUp({ rememberWebhookIds: 2 });
    for (const version of [1, 2, 3])
      await receiver.receive(signedRequest(syncedEvent({ version }), [secret]));
    expect((await store.read(await stateKeyFor(secret)))!.appliedWebhookIds).toHaveLength(2);
  });
});

describe('receive: concurrent deliveries for one site', () => {
  it('ends with the newest version when versions arrive together and out of order', async () => {
    const store = slowStore(20);
    const receiver = createReceiver({ secrets: [secret], store });
    const answers = await Promise.all(
      [3, 1, 2].map((version) => receiver.receive(signedRequest(syncedEvent({ version }), [secret]))),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 409, 409]);
    expect((await store.read(await stateKeyFor(secret)))!.version).toBe(3);
    expect(store.writes.map((record) => record.version)).toEqual([3]);
  });

  it('applies every version in order when they arrive together in order', async () => {
    const store = slowStore(20);
    const receiver = createReceiver({ secrets: [secret], store });
    const answers = await Promise.all(
      [1, 2, 3].map((version) => receiver.receive(signedRequest(syncedEvent({ version }), [secret]))),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(store.writes.map((record) => record.version)).toEqual([1, 2, 3]);
  });

  it('applies a duplicate delivered twice at once only once', async () => {
    const store = slowStore(20);
    const receiver = createReceiver({ secrets: [secret], store });
    const body = JSON.stringify(syncedEvent({ version: 1 }));
    const id = newWebhookId();
    const answers = await Promise.all(
      [1, 2].map(() => receiver.receive(signedRequest(body, [secret], { id }))),
    );
    expect(answers.map((answer) => answer.outcome).sort()).toEqual(['already_applied', 'applied']);
    expect(store.writes).toHaveLength(1);
  });

  it('does not hold one site back while another is being written', async () => {
    const store = slowStore(50);
    const secrets = [newSecret(), newSecret(), newSecret(), newSecret()];
    const receiver = createReceiver({ secrets, store });
    const started = performance.now();
    await Promise.all(
      secrets.map((siteSecret, n) =>
        receiver.receive(signedRequest(syncedEvent({ siteId: `site-${n}` }), [siteSecret])),
      ),
    );
    // Serialized across sites, 4 × (read + write) would take 400 ms.
    expect(performance.now() - started).toBeLessThan(300);
  });
});

describe('receive: refusals', () => {
  it('401 for a bad signature, missing headers, an unknown secret or a stale timestamp; nothing stored', async () => {
    const { store, receiver } = setUp();
    const good = signedRequest(syncedEvent(), [secret]);
    const cases = [
      { ...good, headers: { ...good.headers, 'webhook-signature': 'v1,bm9wZQ==' } },
      { ...good, headers: { 'content-type': 'application/json' } },
      signedRequest(syncedEvent(), [newSecret()]),
      signedRequest(syncedEvent(), [secret], { timestampSeconds: nowSeconds() - 301 }),
      signedRequest(syncedEvent(), [secret], { timestampSeconds: nowSeconds() + 400 }),
      { ...good, body: good.body.replace('Summer', 'Winter') },
    ];
    for (const request of cases) {
      const answer = await receiver.receive(request);
      expect([answer.status, answer.headers['content-type']]).toEqual([401, 'application/problem+json']);
      expect(json(answer).type).toBe('urn:datasync:problem:invalid-signature');
    }
    expect(await store.read(await stateKeyFor(secret))).toBeUndefined();
  });

  it('checks the signature before the body: unsigned garbage is 401, not 400', async () => {
    const { receiver } = setUp();
    expect((await receiver.receive({ headers: {}, body: 'not json' })).status).toBe(401);
  });

  it('400 with problem+json naming each faulty field of a signed but malformed body', async () => {
    const { store, receiver } = setUp();
    const event = syncedEvent() as unknown as { data: Record<string, unknown> & { items: unknown[] } };
    const cases: [string, string[]][] = [
      ['not json', ['']],
      ['[1,2]', ['']],
      [JSON.stringify({ ...event, type: 'other' }), ['/type']],
      [JSON.stringify({ ...event, data: { ...event.data, version: '2' } }), ['/data/version']],
      [JSON.stringify({ ...event, data: { ...event.data, version: 0 } }), ['/data/version']],
      [
        JSON.stringify({ ...event, data: { ...event.data, site: { slug: 'x', name: 'y' } } }),
        ['/data/site/id'],
      ],
      [JSON.stringify({ ...event, data: { ...event.data, items: {} } }), ['/data/items']],
      [
        JSON.stringify({ ...event, data: { ...event.data, items: [{ id: 'i', title: 3, mode: 'x' }] } }),
        ['/data/items/0/title', '/data/items/0/content_type', '/data/items/0/data', '/data/items/0/mode'],
      ],
      [JSON.stringify({ type: 'content.synced', timestamp: 'soon' }), ['/timestamp', '/data']],
    ];
    for (const [body, pointers] of cases) {
      const answer = await receiver.receive(signedRequest(body, [secret]));
      expect([answer.status, answer.headers['content-type']], body).toEqual([
        400,
        'application/problem+json',
      ]);
      const problem = json(answer) as { type: string; errors: { in: string; pointer: string }[] };
      expect(problem.type).toBe('urn:datasync:problem:validation-error');
      expect(
        problem.errors.map((error) => error.pointer),
        body,
      ).toEqual(pointers);
      expect(problem.errors.every((error) => error.in === 'body')).toBe(true);
    }
    expect(await store.read(await stateKeyFor(secret))).toBeUndefined();
  });

  it('413 for a body over maxBodyBytes, before anything else', async () => {
    const { receiver } = setUp({ maxBodyBytes: 100 });
    const answer = await receiver.receive({ headers: {}, body: 'x'.repeat(101) });
    expect([answer.status, json(answer).type]).toEqual([413, 'urn:datasync:problem:body-too-large']);
  });

  it('500 when the store fails, and the retry of the same delivery then applies', async () => {
    const store = slowStore(0);
    const receiver = createReceiver({ secrets: [secret], store });
    const request = signedRequest(syncedEvent(), [secret]);
    store.failNextWrite = true;
    expect((await receiver.receive(request)).status).toBe(500);
    expect((await receiver.receive(request)).outcome).toBe('applied');
  });
});

describe('secrets', () => {
  it('reads them from a function on every request, so new secrets need no restart', async () => {
    const secrets: string[] = [];
    const { receiver } = setUp({ secrets: () => secrets });
    const request = signedRequest(syncedEvent(), [secret]);
    expect((await receiver.receive(request)).status).toBe(401);
    secrets.push(secret);
    expect((await receiver.receive(request)).status).toBe(200);
  });

  it('accepts the previous and the next secret during a rotation', async () => {
    const next = newSecret();
    const { receiver } = setUp({ secrets: [secret, next] });
    expect((await receiver.receive(signedRequest(syncedEvent({ version: 1 }), [secret]))).status).toBe(200);
    expect((await receiver.receive(signedRequest(syncedEvent({ version: 2 }), [next]))).status).toBe(200);
    expect((await receiver.receive(signedRequest(syncedEvent({ version: 3 }), [next, secret]))).status).toBe(
      200,
    );
  });

  it('refuses to start with a fixed secret it cannot decode', () => {
    expect(() => createReceiver({ secrets: ['whsec_'], store: createMemoryStore() })).toThrow(
      /Invalid signing secret/,
    );
  });

  it('answers 500 (not 401) when a secrets function yields an undecodable secret: a configuration fault', async () => {
    const { receiver } = setUp({ secrets: () => ['whsec_'] });
    expect((await receiver.receive(signedRequest(syncedEvent(), [secret]))).status).toBe(500);
  });
});

describe('state, kept by the secret that verified a delivery', () => {
  it('keeps sites with their own secrets apart, whatever site id a payload names', async () => {
    const a = newSecret();
    const b = newSecret();
    const { store, receiver } = setUp({ secrets: [a, b] });
    const fromB = signedRequest(syncedEvent({ siteId: 'site-b', version: 5, headline: 'B' }), [b]);
    expect((await receiver.receive(fromB)).outcome).toBe('applied');

    // Whoever holds A's secret writes B's site id, a newer version and B's next webhook id into a body.
    const nextIdOfB = newWebhookId();
    const forged = syncedEvent({ siteId: 'site-b', version: 6, headline: 'forged' });
    expect((await receiver.receive(signedRequest(forged, [a], { id: nextIdOfB }))).outcome).toBe('applied');

    const stateOfB = await store.read(await stateKeyFor(b));
    expect([stateOfB!.version, stateOfB!.event.data.items[0]!.data.headline]).toEqual([5, 'B']);
    expect((await store.read(await stateKeyFor(a)))!.event.data.items[0]!.data.headline).toBe('forged');
    // B's own next delivery is neither "already applied" (the forged id) nor stale (the forged version).
    const next = signedRequest(syncedEvent({ siteId: 'site-b', version: 6, headline: 'B6' }), [b], {
      id: nextIdOfB,
    });
    expect((await receiver.receive(next)).outcome).toBe('applied');
    expect((await store.read(await stateKeyFor(b)))!.event.data.items[0]!.data.headline).toBe('B6');
  });

  it('keeps one state through a rotation: signed with both secrets, it is kept under both', async () => {
    const next = newSecret();
    const store = createMemoryStore();
    const rotating = createReceiver({ secrets: [secret, next], store });
    const before = signedRequest(syncedEvent({ version: 1 }), [secret]);
    expect((await rotating.receive(before)).outcome).toBe('applied');
    const during = signedRequest(syncedEvent({ version: 2, headline: 'during' }), [next, secret]);
    expect((await rotating.receive(during)).outcome).toBe('applied');
    expect((await store.read(await stateKeyFor(next)))!.version).toBe(2);
    expect((await store.read(await stateKeyFor(secret)))!.version).toBe(2);

    // The previous secret is dropped: the new one alone still knows what was applied.
    const rotated = createReceiver({ secrets: [next], store });
    const replay = signedRequest(during.body, [next], { id: during.headers['webhook-id'] });
    expect((await rotated.receive(replay)).outcome).toBe('already_applied');
    expect((await rotated.receive(signedRequest(syncedEvent({ version: 1 }), [next]))).outcome).toBe('stale');
    expect((await rotated.receive(signedRequest(syncedEvent({ version: 3 }), [next]))).outcome).toBe(
      'applied',
    );
  });

  it('reads state kept by site id (earlier versions of this package) when its secret has none yet', async () => {
    const { store, receiver } = setUp();
    const legacyId = newWebhookId();
    const legacy = syncedEvent({ siteId: 'site-1', version: 4, headline: 'legacy' });
    await store.write('site-1', {
      siteId: 'site-1',
      version: 4,
      webhookId: legacyId,
      appliedWebhookIds: [legacyId],
      appliedAt: new Date().toISOString(),
      event: legacy,
    });
    const replay = signedRequest(legacy, [secret], { id: legacyId });
    expect((await receiver.receive(replay)).outcome).toBe('already_applied');
    expect((await receiver.receive(signedRequest(syncedEvent({ version: 3 }), [secret]))).outcome).toBe(
      'stale',
    );
    expect((await receiver.receive(signedRequest(syncedEvent({ version: 5 }), [secret]))).outcome).toBe(
      'applied',
    );
    expect((await store.read(await stateKeyFor(secret)))!.appliedWebhookIds).toEqual([
      legacyId,
      expect.any(String),
    ]);
  });

  it('names state by a SHA-256 fingerprint of the secret, never the secret, with or without whsec_', async () => {
    const bare = secret.slice('whsec_'.length);
    const key = await stateKeyFor(secret);
    const expected = createHash('sha256').update(bare).digest('hex');
    expect(key).toBe(`secret-sha256-${expected}`);
    expect(await stateKeyFor(bare)).toBe(key);
    expect(key).not.toContain(bare);
  });
});
