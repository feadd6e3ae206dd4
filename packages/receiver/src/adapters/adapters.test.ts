import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createReceiver } from '../receiver.js';
import { createMemoryStore } from '../stores/memory-store.js';
import { newSecret, signedRequest, slowStore, syncedEvent } from '../test-helpers.js';
import { createFetchHandler } from './fetch.js';
import { createFrameworkHandler, RAW_BODY_HELP } from './framework.js';
import { createNodeHandler } from './node-http.js';

const secret = newSecret();
const newReceiver = (maxBodyBytes = 10_000) =>
  createReceiver({ secrets: [secret], store: createMemoryStore(), maxBodyBytes });

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

/** A POST whose body is streamed in chunks with no Content-Length, so only reading it reveals its size. */
function postChunked(url: string, chunks: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'POST', headers: { 'transfer-encoding': 'chunked' } },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

describe('createNodeHandler over real HTTP', () => {
  it('applies a signed delivery, then answers its replay as already applied', async () => {
    const url = await listen(createServer(createNodeHandler(newReceiver())));
    const { headers, body } = signedRequest(syncedEvent(), [secret]);
    const first = await fetch(url, { method: 'POST', headers, body });
    expect([first.status, await first.json()]).toEqual([
      200,
      { status: 'applied', site_id: 'site-1', version: 1 },
    ]);
    const again = await fetch(url, { method: 'POST', headers, body });
    expect(((await again.json()) as { status: string }).status).toBe('already_applied');
  });

  it('401 unsigned, 400 malformed, 405 for GET', async () => {
    const url = await listen(createServer(createNodeHandler(newReceiver())));
    const unsigned = await fetch(url, { method: 'POST', body: JSON.stringify(syncedEvent()) });
    expect([unsigned.status, unsigned.headers.get('content-type')]).toEqual([
      401,
      'application/problem+json',
    ]);
    const malformed = signedRequest('{"type":', [secret]);
    expect((await fetch(url, { method: 'POST', ...malformed })).status).toBe(400);
    expect((await fetch(url)).status).toBe(405);
  });

  it('takes concurrent deliveries of versions out of order without ever going back; stale ones get 409', async () => {
    const store = slowStore(15);
    const url = await listen(createServer(createNodeHandler(createReceiver({ secrets: [secret], store }))));
    const post = (version: number) =>
      fetch(url, { method: 'POST', ...signedRequest(syncedEvent({ version }), [secret]) });
    const answers = await Promise.all([5, 2, 4, 1, 3].map(post));
    // Whatever order the requests reached the server in, applies only ever moved forward and ended at 5.
    const applied = store.writes.map((record) => record.version);
    expect(applied).toEqual([...applied].sort((a, b) => a - b));
    expect(applied.at(-1)).toBe(5);
    expect(new Set(answers.map((answer) => answer.status))).toEqual(
      new Set(applied.length === 5 ? [200] : [200, 409]),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(applied.length);
    const stale = await post(4);
    expect([stale.status, ((await stale.json()) as { stored_version: number }).stored_version]).toEqual([
      409, 5,
    ]);
  });

  it('413 from the Content-Length alone, and from a chunked body as soon as it passes the limit', async () => {
    const url = await listen(createServer(createNodeHandler(newReceiver(1_000))));
    const declared = await fetch(url, { method: 'POST', body: 'x'.repeat(1_001) });
    expect(declared.status).toBe(413);
    expect(await postChunked(url, ['x'.repeat(600), 'x'.repeat(600)])).toBe(413);
  });
});

describe('createFetchHandler', () => {
  const handle = createFetchHandler(newReceiver(1_000));
  const post = (body: string, headers: Record<string, string> = {}) =>
    handle(new Request('http://site.test/hook', { method: 'POST', headers, body }));

  it('turns a signed Request into a 200 Response, and refusals into problem responses', async () => {
    const { headers, body } = signedRequest(syncedEvent({ version: 2 }), [secret]);
    const applied = await post(body, headers);
    expect([applied.status, ((await applied.json()) as { status: string }).status]).toEqual([200, 'applied']);
    const forged = await post(body.replace('Summer', 'Winter'), headers);
    expect([forged.status, forged.headers.get('content-type')]).toEqual([401, 'application/problem+json']);
    const older = signedRequest(syncedEvent({ version: 1 }), [secret]);
    expect((await post(older.body, older.headers)).status).toBe(409);
    expect((await handle(new Request('http://site.test/hook'))).status).toBe(405);
  });

  it('413 for a streamed body over the limit', async () => {
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('x'.repeat(400)));
      },
    });
    const request = new Request('http://site.test/hook', {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect((await handle(request)).status).toBe(413);
  });
});

describe('createFrameworkHandler on a real Fastify', () => {
  async function fastifyWith(rawBody: boolean): Promise<string> {
    const app: FastifyInstance = Fastify();
    closers.push(() => app.close());
    const handler = createFrameworkHandler(newReceiver());
    await app.register(async (scope) => {
      if (rawBody) {
        scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
          done(null, body),
        );
      }
      scope.post('/hook', (request, reply) => handler(request, reply));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/hook`;
  }

  it('verifies the raw body and answers with the receiver status', async () => {
    const url = await fastifyWith(true);
    const { headers, body } = signedRequest(syncedEvent(), [secret]);
    const applied = await fetch(url, { method: 'POST', headers, body });
    expect([applied.status, ((await applied.json()) as { status: string }).status]).toEqual([200, 'applied']);
    const forged = await fetch(url, { method: 'POST', headers, body: body.replace('Summer', 'Winter') });
    expect(forged.status).toBe(401);
    // Fastify appends a charset to string bodies.
    expect(forged.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  });

  it('refuses to guess when the framework already parsed the JSON (its signature cannot be checked)', async () => {
    const handler = createFrameworkHandler(newReceiver());
    const reply = { status: () => reply, header: () => reply, send: () => reply };
    await expect(handler({ headers: {}, body: { parsed: true } }, reply)).rejects.toThrow(RAW_BODY_HELP);
    const url = await fastifyWith(false);
    const { headers, body } = signedRequest(syncedEvent(), [secret]);
    expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(500);
  });
});
