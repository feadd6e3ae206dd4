import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { createFetchHandler } from './adapters/fetch.js';
import { createFrameworkHandler } from './adapters/framework.js';
import { createNodeHandler } from './adapters/node-http.js';
import { MAX_DEPTH } from './parse-payload.js';
import { createReceiver, DEFAULT_TOLERANCE_SECONDS } from './receiver.js';
import { newSecret, slowStore, syncedEvent } from './test-helpers.js';
import type { ContentSyncedEvent, ReceiverResponse } from './types.js';

// Bad input, receiver side: property-based fuzzing (fast-check) of the SDK's webhook handling, through
// `receive` and the three adapters. Whatever arrives (any body, any or no webhook headers, signed or not), the SDK
// answers; it never throws and never answers 5xx; a refusal is problem+json (a 400 names the fields at fault); an
// invalid request stores nothing; and a correctly signed payload is applied exactly once, its replays deduped.
// FUZZ_RUNS=<n> raises the number of cases per property for a soak (default 100).

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
const NOW_S = Math.floor(NOW_MS / 1000);
const secret = newSecret();
const otherSecret = newSecret();
const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();

const sign = (key: string, id: string, timestamp: string, body: string) =>
  new Webhook(key).sign(id, new Date(Number(timestamp) * 1000), body);

/** Per property: how many cases ran and which answers came back. */
const tally = new Map<string, { cases: number; answers: Map<string, number> }>();
function count(property: string, answer: string): void {
  const entry = tally.get(property) ?? { cases: 0, answers: new Map<string, number>() };
  entry.cases += 1;
  entry.answers.set(answer, (entry.answers.get(answer) ?? 0) + 1);
  tally.set(property, entry);
}

const POINTER = /^(\/([^~/]|~[01])*)*$/;

/** What every answer of the SDK must look like, whatever the request was. */
function expectWellFormed(
  answer: { status: number; headers: Record<string, string>; body: string },
  label: string,
) {
  expect([200, 400, 401, 409, 413], `${label}: ${answer.status} ${answer.body.slice(0, 300)}`).toContain(
    answer.status,
  );
  const body = JSON.parse(answer.body) as {
    type?: string;
    title?: string;
    status?: number | string;
    detail?: string;
    errors?: { in: string; pointer: string; message: string }[];
  };
  if (answer.status === 200) {
    expect(answer.headers['content-type'], label).toBe('application/json');
    expect(['applied', 'already_applied'], label).toContain(body.status);
    return body;
  }
  expect(answer.headers['content-type'], label).toBe('application/problem+json');
  expect(body.type, label).toMatch(/^urn:datasync:problem:[a-z-]+$/);
  expect(body.status, label).toBe(answer.status);
  expect(typeof body.title, label).toBe('string');
  expect(typeof body.detail, label).toBe('string');
  if (answer.status === 400) {
    expect(body.errors?.length, `${label}: a 400 names the fields`).toBeGreaterThan(0);
    for (const error of body.errors!) {
      expect(error.in, label).toBe('body');
      expect(error.pointer, label).toMatch(POINTER);
      expect(error.message.length, label).toBeGreaterThan(0);
    }
  }
  return body;
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries

/** A value nested `depth` levels deep, built without recursion. */
function nested(depth: number, leaf: unknown = 'x'): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { a: value };
  return value;
}

/** An object whose own property is a prototype-polluting key (JSON.parse defines it, never assigns it). */
const protoObject = fc
  .tuple(
    fc.constantFrom('__proto__', 'constructor'),
    fc.constantFrom('{"polluted":true}', '{"prototype":{"polluted":true}}'),
  )
  .map(([key, value]) => JSON.parse(`{"${key}":${value}}`) as object);

/** Anything a field of the payload could hold that it should not. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('', 'nul \u0000', 'lone \ud800', 0, -1, 1.5, 2 ** 53, 1e308, null, [], {}, 'x'.repeat(300)),
  fc.integer({ min: MAX_DEPTH - 2, max: 2_000 }).map((depth) => nested(depth)),
  protoObject,
);

/** Item data as DataSync could send it: JSON objects without prototype keys, a few levels deep. */
const itemData = fc
  .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })
  .filter((data) => !/"(__proto__|constructor)"/.test(JSON.stringify(data)));

/** A valid `content.synced` event. */
const validEvent: fc.Arbitrary<ContentSyncedEvent> = fc
  .record({
    siteId: fc.string({ minLength: 1, maxLength: 40 }),
    version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    items: fc.array(
      fc.record({
        id: fc.string({ minLength: 1, maxLength: 40 }),
        title: fc.string({ maxLength: 40 }),
        content_type: fc.string({ minLength: 1, maxLength: 20 }),
        data: itemData,
        mode: fc.constantFrom('full' as const, 'override' as const),
      }),
      { maxLength: 4 },
    ),
  })
  .map(({ siteId, version, items }) => {
    const event = syncedEvent({ siteId, version });
    event.data.items = items;
    return event;
  });

/** A valid event with some fields replaced, removed, or given extra prototype keys or depth. */
const mangledEvent: fc.Arbitrary<unknown> = fc
  .tuple(
    validEvent,
    fc.array(
      fc.tuple(
        fc.constantFrom(
          [],
          ['type'],
          ['timestamp'],
          ['data'],
          ['data', 'site'],
          ['data', 'site', 'id'],
          ['data', 'version'],
          ['data', 'job_id'],
          ['data', 'items'],
          ['data', 'items', 0],
          ['data', 'items', 0, 'data'],
          ['data', 'items', 0, 'data', 'x'],
          ['data', 'items', 0, 'mode'],
        ),
        fc.oneof(wrongValue, fc.constant(undefined)),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([event, changes]) => {
    let body: unknown = structuredClone(event);
    for (const [path, value] of changes) {
      if (path.length === 0) {
        body = value;
        continue;
      }
      let parent = body as Record<string | number, unknown> | undefined;
      for (const key of path.slice(0, -1)) {
        parent =
          parent && typeof parent === 'object'
            ? (parent[key] as Record<string | number, unknown>)
            : undefined;
      }
      if (!parent || typeof parent !== 'object') continue;
      const last = path.at(-1)!;
      if (value === undefined) delete parent[last];
      else
        Object.defineProperty(parent, last, { value, enumerable: true, writable: true, configurable: true });
    }
    return body;
  });

/**
 * A valid event whose first item's data holds a value nested 2,000 to 15,000 levels deep, as text: that deep, the
 * test's own tools (JSON.stringify, structuredClone, fast-check's reporting) overflow on an object.
 */
const deepEventText = fc
  .tuple(validEvent, fc.integer({ min: 2_000, max: 15_000 }), fc.boolean())
  .map(([event, depth, arrays]) => {
    event.data.items = [
      { id: 'i', title: 't', content_type: 'c', data: { deep: 'DEEP' }, mode: 'full' as const },
    ];
    const [open, close] = arrays ? ['[', ']'] : ['{"a":', '}'];
    return JSON.stringify(event).replace('"DEEP"', open.repeat(depth) + '1' + close.repeat(depth));
  });

const INVALID_UTF8 = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80]];

/** The body on the wire: the text, or its bytes with invalid UTF-8 spliced in. */
const wireBody = fc.tuple(
  fc.oneof(
    { weight: 3, arbitrary: mangledEvent.map((body) => JSON.stringify(body) ?? 'undefined') },
    { weight: 1, arbitrary: deepEventText },
    { weight: 1, arbitrary: validEvent.map((event) => JSON.stringify(event)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: validEvent.map((event) => JSON.stringify(event).slice(0, -7)) },
  ),
  fc.oneof(
    { weight: 3, arbitrary: fc.constant<number[] | null>(null) },
    { weight: 1, arbitrary: fc.constantFrom(...INVALID_UTF8) },
  ),
  fc.nat(),
  fc.boolean(),
);

function bytesOf(text: string, invalid: number[] | null, at: number): Uint8Array | string {
  if (!invalid) return text;
  const cut = at % (text.length + 1);
  return new Uint8Array(
    Buffer.concat([Buffer.from(text.slice(0, cut)), Buffer.from(invalid), Buffer.from(text.slice(cut))]),
  );
}

/** webhook-* headers: each missing, malformed, or right; the signature right, wrong, or for another secret. */
const webhookHeaders = fc.record({
  id: fc.oneof(
    { weight: 3, arbitrary: fc.constant('msg_fuzz') },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(undefined, '', 'x'.repeat(257), 'msg_ünïcode', 'id with spaces'),
    },
  ),
  timestamp: fc.oneof(
    fc.constant(String(NOW_S)),
    fc.constant(String(NOW_S)),
    fc
      .integer({ min: -DEFAULT_TOLERANCE_SECONDS, max: DEFAULT_TOLERANCE_SECONDS })
      .map((skew) => String(NOW_S + skew)),
    fc.integer({ min: DEFAULT_TOLERANCE_SECONDS + 1, max: 10 ** 9 }).map((skew) => String(NOW_S - skew)),
    fc.constantFrom(undefined, '', '-1', '1e9', ` ${NOW_S}`, `${NOW_S}.5`, '9'.repeat(16), 'NaN', '0x10'),
  ),
  signature: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('right', 'right-among-others') },
    { weight: 2, arbitrary: fc.constantFrom('other-secret', 'v1-garbage', 'v2', 'empty', 'none') },
  ),
  arrays: fc.boolean(),
});

function headersFor(
  parts: { id?: string; timestamp?: string; signature: string; arrays: boolean },
  signedText: string,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
  if (parts.id !== undefined) headers['webhook-id'] = parts.id;
  if (parts.timestamp !== undefined) headers['webhook-timestamp'] = parts.timestamp;
  const canSign =
    parts.id !== undefined && parts.timestamp !== undefined && /^\d{1,15}$/.test(parts.timestamp);
  const right = canSign ? sign(secret, parts.id!, parts.timestamp!, signedText) : 'v1,cannot-sign';
  const signature = {
    right,
    'right-among-others': `v1a,xyz v1,AAAA ${right}`,
    'other-secret': canSign ? sign(otherSecret, parts.id!, parts.timestamp!, signedText) : 'v1,x',
    'v1-garbage': 'v1,' + Buffer.from(signedText.slice(0, 20)).toString('base64'),
    v2: right.replace('v1,', 'v2,'),
    empty: '',
    none: undefined,
  }[parts.signature];
  if (signature !== undefined) {
    // Node hands repeated header lines over as an array; the SDK joins them into one list.
    headers['webhook-signature'] = parts.arrays && signature.includes(' ') ? signature.split(' ') : signature;
  }
  return headers;
}

/** Would a correct verifier accept these headers? (Only the signature kinds that carry the right entry.) */
function authentic(parts: { id?: string; timestamp?: string; signature: string }): boolean {
  if (!parts.id || parts.id.length > 256 || !parts.timestamp || !/^\d{1,15}$/.test(parts.timestamp))
    return false;
  if (Math.abs(NOW_S - Number(parts.timestamp)) > DEFAULT_TOLERANCE_SECONDS) return false;
  return parts.signature === 'right' || parts.signature === 'right-among-others';
}

/** The test's own oracle: does this JSON text hold a prototype key, or a container at depth MAX_DEPTH or more? */
function mustBeRefused(text: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return false;
  }
  const pending: [unknown, number][] = [[body, 0]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) return true;
    for (const [key, child] of Object.entries(value)) {
      if (key === '__proto__') return true;
      if (key === 'constructor' && child && typeof child === 'object' && Object.hasOwn(child, 'prototype'))
        return true;
      pending.push([child, depth + 1]);
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------

/** Payload texts for the signed cases: mangled events, and events nested far too deep. */
const signedText = fc.oneof(
  { weight: 5, arbitrary: mangledEvent.map((body) => JSON.stringify(body) ?? 'undefined') },
  { weight: 1, arbitrary: deepEventText },
);

describe('receiver fuzzing', () => {
  it('any body with any webhook headers: never throws, never 5xx, problem+json refusals, stores only valid signed events', async () => {
    await fc.assert(
      fc.asyncProperty(wireBody, webhookHeaders, async ([text, invalid, at, asString], parts) => {
        const store = slowStore(0);
        const receiver = createReceiver({ secrets: [secret], store, now: () => NOW_MS });
        const body = bytesOf(text, invalid, at);
        // What the sender signed: the text as the receiver will decode it.
        const decoded = typeof body === 'string' ? body : new TextDecoder().decode(body);
        const headers = headersFor(parts, decoded);
        const answer = await receiver.receive({
          headers,
          body: asString || typeof body !== 'string' ? body : new TextEncoder().encode(body),
        });
        const label = `${JSON.stringify(parts)} ${decoded.slice(0, 200)}`;
        count('receive: any body, any headers', String(answer.status));
        expectWellFormed(answer, label);
        if (!authentic(parts)) expect(answer.status, label).toBe(401);
        if (invalid && authentic(parts)) expect(answer.status, label).toBe(400);
        if (answer.status === 200) {
          expect(answer.outcome).toBe('applied');
          expect(store.writes).toHaveLength(1);
          // Only a well-formed event is ever applied.
          expect(store.writes[0]!.event).toEqual(JSON.parse(decoded));
        } else {
          expect(store.writes, label).toEqual([]);
        }
      }),
      { numRuns: RUNS * 3 },
    );
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('validly signed malformed payloads: 400 naming the fields, nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(signedText, async (text) => {
        const store = slowStore(0);
        const receiver = createReceiver({ secrets: [secret], store, now: () => NOW_MS });
        const timestamp = String(NOW_S);
        const answer = await receiver.receive({
          headers: {
            'webhook-id': 'msg_1',
            'webhook-timestamp': timestamp,
            'webhook-signature': sign(secret, 'msg_1', timestamp, text),
          },
          body: text,
        });
        count('receive: signed, mangled payload', String(answer.status));
        expectWellFormed(answer, text.slice(0, 300));
        expect([200, 400], text.slice(0, 300)).toContain(answer.status);
        // A prototype key or nesting past the limit is never applied.
        if (mustBeRefused(text))
          expect([answer.status, text.slice(0, 200)]).toEqual([400, expect.any(String)]);
        expect(store.writes).toHaveLength(answer.status === 200 ? 1 : 0);
      }),
      { numRuns: RUNS * 2 },
    );
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
  });

  it('a valid payload signed correctly is applied exactly once; its replays, even concurrent, are deduped', async () => {
    await fc.assert(
      fc.asyncProperty(validEvent, fc.integer({ min: 1, max: 4 }), async (event, replays) => {
        const store = slowStore(1);
        const receiver = createReceiver({ secrets: [secret], store, now: () => NOW_MS });
        const text = JSON.stringify(event);
        const timestamp = String(NOW_S);
        const request = {
          headers: {
            'webhook-id': 'msg_once',
            'webhook-timestamp': timestamp,
            'webhook-signature': sign(secret, 'msg_once', timestamp, text),
          },
          body: new TextEncoder().encode(text),
        };
        const answers = await Promise.all(
          Array.from({ length: 1 + replays }, () => receiver.receive(request)),
        );
        const later = await receiver.receive(request);
        for (const answer of [...answers, later]) {
          count('receive: valid, delivered 2-5 times', answer.outcome);
          expectWellFormed(answer, text.slice(0, 200));
        }
        expect(answers.map((answer) => answer.outcome).sort()).toEqual(
          ['applied', ...Array<string>(replays).fill('already_applied')].sort(),
        );
        expect(later.outcome).toBe('already_applied');
        expect(store.writes).toHaveLength(1);
        // What was sent, as JSON carries it (-0 arrives as 0).
        expect(store.writes[0]!.event).toEqual(JSON.parse(text));
        expect(store.writes[0]!.webhookId).toBe('msg_once');
        // The same version under a new webhook-id is not a second apply either: content never goes back.
        const again = await receiver.receive({
          headers: {
            'webhook-id': 'msg_other',
            'webhook-timestamp': timestamp,
            'webhook-signature': sign(secret, 'msg_other', timestamp, text),
          },
          body: text,
        });
        count('receive: valid, delivered 2-5 times', again.outcome);
        expect(again.status).toBe(409);
        expect(store.writes).toHaveLength(1);
      }),
      { numRuns: RUNS },
    );
  });

  it('the adapters answer the same way: fetch, framework (Express/Fastify style) and node:http', async () => {
    const server = createServer(
      createNodeHandler(
        createReceiver({ secrets: [secret], store: slowStore(0), now: () => NOW_MS, maxBodyBytes: 4096 }),
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      await fc.assert(
        fc.asyncProperty(
          wireBody,
          webhookHeaders,
          fc.constantFrom('fetch', 'framework', 'node'),
          async ([text, invalid, at], parts, adapter) => {
            const store = slowStore(0);
            const receiver = createReceiver({
              secrets: [secret],
              store,
              now: () => NOW_MS,
              maxBodyBytes: 4096,
            });
            const body = bytesOf(text, invalid, at);
            const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
            const headers = headersFor(parts, new TextDecoder().decode(bytes));
            const flat = Object.fromEntries(
              Object.entries(headers).map(([name, value]) => [
                name,
                Array.isArray(value) ? value.join(' ') : value,
              ]),
            );
            let answer: { status: number; headers: Record<string, string>; body: string };
            if (adapter === 'fetch') {
              const response = await createFetchHandler(receiver)(
                new Request('http://site.test/hook', { method: 'POST', headers: flat, body: bytes }),
              );
              answer = {
                status: response.status,
                headers: { 'content-type': response.headers.get('content-type')! },
                body: await response.text(),
              };
            } else if (adapter === 'framework') {
              const sent = { status: 0, headers: {} as Record<string, string>, body: '' };
              const reply = {
                status: (code: number) => ((sent.status = code), reply),
                header: (name: string, value: string) => ((sent.headers[name] = value), reply),
                send: (text: string) => ((sent.body = text), reply),
              };
              await createFrameworkHandler(receiver)({ headers, rawBody: Buffer.from(bytes) }, reply);
              answer = sent;
            } else {
              // A shared receiver behind a real server: a fresh webhook-id per case keeps the cases independent.
              const response = await fetch(url, { method: 'POST', headers: flat, body: bytes });
              answer = {
                status: response.status,
                headers: { 'content-type': response.headers.get('content-type')! },
                body: await response.text(),
              };
            }
            count(`adapters: ${adapter}`, String(answer.status));
            const label = `${adapter} ${JSON.stringify(parts)} ${text.slice(0, 200)}`;
            expectWellFormed(answer, label);
            if (!authentic(parts) && bytes.byteLength <= 4096) expect(answer.status, label).toBe(401);
            if (adapter !== 'node' && answer.status !== 200) expect(store.writes, label).toEqual([]);
          },
        ),
        { numRuns: RUNS },
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('receiver: explicit bad input, validly signed', () => {
  const deliver = async (body: string | Uint8Array, signedText = typeof body === 'string' ? body : '') => {
    const store = slowStore(0);
    const receiver = createReceiver({ secrets: [secret], store, now: () => NOW_MS });
    const timestamp = String(NOW_S);
    const answer: ReceiverResponse = await receiver.receive({
      headers: {
        'webhook-id': 'msg_x',
        'webhook-timestamp': timestamp,
        'webhook-signature': sign(secret, 'msg_x', timestamp, signedText),
      },
      body,
    });
    count('explicit cases', String(answer.status));
    return {
      answer,
      problem: expectWellFormed(answer, String(signedText).slice(0, 100)),
      writes: store.writes,
    };
  };
  const eventText = (data: string) =>
    JSON.stringify(syncedEvent()).replace(/"data":\{"headline"/, `"data":{"extra":${data},"headline"`);

  it('item data nested 10,000 deep is 400 at the depth limit, not a 500 from the store', async () => {
    // Regression: the memory and file stores overflowed the stack copying it: 500 "store failed", retried forever.
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const { answer, problem, writes } = await deliver(eventText(deep));
    expect(answer.status).toBe(400);
    expect(problem.errors).toEqual([
      {
        in: 'body',
        pointer: expect.stringMatching(/^\/data\/items\/0\/data\/extra(\/a)+$/),
        message: expect.stringContaining(`${MAX_DEPTH}`),
      },
    ]);
    expect(writes).toEqual([]);
    const arrays = await deliver('['.repeat(10_000) + ']'.repeat(10_000));
    expect(arrays.answer.status).toBe(400);
  });

  it('nesting up to the limit is still applied', async () => {
    // The event puts `extra` 6 levels down (body, data, items, 0, data, extra): this many more stay within the limit.
    const { answer, writes } = await deliver(eventText(JSON.stringify(nested(MAX_DEPTH - 7))));
    expect(answer.status).toBe(200);
    expect(writes).toHaveLength(1);
  });

  it('prototype-polluting keys are 400 naming the key; nothing stored, Object.prototype untouched', async () => {
    for (const [data, pointer] of [
      ['{"__proto__":{"polluted":true}}', '/data/items/0/data/extra/__proto__'],
      ['{"constructor":{"prototype":{"polluted":true}}}', '/data/items/0/data/extra/constructor/prototype'],
      ['[{"__proto__":{"polluted":true}}]', '/data/items/0/data/extra/0/__proto__'],
    ]) {
      const { answer, problem, writes } = await deliver(eventText(data!));
      expect([answer.status, problem.errors]).toEqual([
        400,
        [{ in: 'body', pointer, message: expect.any(String) }],
      ]);
      expect(writes).toEqual([]);
    }
    const topLevel = JSON.stringify(syncedEvent()).replace('{', '{"__proto__":{"polluted":true},');
    expect((await deliver(topLevel)).answer.status).toBe(400);
    // A plain "constructor" field is ordinary data.
    const plain = await deliver(eventText('{"constructor":"x","prototype":1}'));
    expect(plain.answer.status).toBe(200);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('invalid UTF-8 bytes are 400, even when signed over their decoded text', async () => {
    // Regression: the bytes were decoded to U+FFFD, the signature matched the decoded text, and the event was stored.
    for (const invalid of INVALID_UTF8) {
      const text = JSON.stringify(syncedEvent());
      const at = text.indexOf('Summer') + 3;
      const bytes = new Uint8Array(
        Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(invalid), Buffer.from(text.slice(at))]),
      );
      const { answer, problem, writes } = await deliver(bytes, new TextDecoder().decode(bytes));
      expect([answer.status, problem.errors]).toEqual([
        400,
        [{ in: 'body', pointer: '', message: 'is not valid UTF-8' }],
      ]);
      expect(writes).toEqual([]);
    }
  });

  it('unsigned invalid UTF-8 is still 401 first (authenticity before anything else)', async () => {
    const store = slowStore(0);
    const receiver = createReceiver({ secrets: [secret], store, now: () => NOW_MS });
    const answer = await receiver.receive({ headers: {}, body: new Uint8Array([0xff, 0xfe]) });
    count('explicit cases', String(answer.status));
    expect(answer.status).toBe(401);
  });
});

afterAll(() => {
  const rows = [...tally.entries()].map(([property, { cases, answers }]) => ({
    property,
    cases,
    answers: [...answers.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([answer, n]) => `${answer}×${n}`)
      .join(' '),
    '5xx': [...answers.keys()].filter((answer) => answer.startsWith('5')).length,
  }));
  console.log(
    `receiver bad input: ${rows.reduce((sum, row) => sum + row.cases, 0)} answers (FUZZ_RUNS=${RUNS})`,
  );
  console.table(rows);
});
