import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../../test/support/sse-client.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { signUp, type SignedInUser } from '../../test/support/users.js';

const REQUEST_TIMEOUT_MS = 500;
const HEADERS_TIMEOUT_MS = 300;
const KEEP_ALIVE_TIMEOUT_MS = 400;
/** Node checks deadlines every 50 ms here (a tenth of the shorter one, at least 50); plus scheduling on a busy CI. */
const LATE_BY_AT_MOST_MS = 50 + 250;

let t: TestApp;
let port: number;
let base: string;
let owner: SignedInUser;
beforeAll(async () => {
  t = await createTestApp({
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
    liveHeartbeatMs: 200,
  });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(base).port);
  owner = await signUp(t.app);
});
afterAll(() => t?.close());

/** Writes `text` on a fresh connection and collects what comes back until the server closes it. */
function rawExchange(text: string): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let start = 0;
    socket.on('connect', () => {
      start = performance.now();
      socket.write(text);
    });
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closedAfterMs: performance.now() - start }));
  });
}

function expectTimeoutProblem(answer: string) {
  const [head, body] = answer.split('\r\n\r\n');
  expect(head).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  expect(head).toContain('Content-Type: application/problem+json');
  expect(JSON.parse(body!)).toEqual({
    type: 'urn:datasync:problem:request-timeout',
    title: 'Request Timeout',
    status: 408,
    detail: 'The request was not received in time.',
  });
}

describe('slow clients', () => {
  it('a body shorter than its Content-Length gets 408 and a closed connection at REQUEST_TIMEOUT_MS', async () => {
    const { answer, closedAfterMs } = await rawExchange(
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: datasync.test\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"email":"',
    );
    expectTimeoutProblem(answer);
    expect(closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 10);
    expect(closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + LATE_BY_AT_MOST_MS);
  });

  it('headers that never end get 408 and a closed connection at HEADERS_TIMEOUT_MS', async () => {
    const { answer, closedAfterMs } = await rawExchange('GET /healthz HTTP/1.1\r\nHost: datasync.test\r\n');
    expectTimeoutProblem(answer);
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 10);
    expect(closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + LATE_BY_AT_MOST_MS);
  });

  it('an idle keep-alive connection is closed 1 s past KEEP_ALIVE_TIMEOUT_MS after its last answer', async () => {
    const socket = connect(port, '127.0.0.1');
    let answeredAt = 0;
    const closedAfterMs = await new Promise<number>((resolve, reject) => {
      socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: datasync.test\r\n\r\n'));
      socket.on('data', (chunk) => {
        expect(chunk.toString('utf8')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        answeredAt = performance.now();
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(performance.now() - answeredAt));
    });
    // Node closes an idle keep-alive socket 1 s after keepAliveTimeout, so a client that reuses the connection
    // right at the deadline does not race the close (lib/_http_server.js, HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER).
    expect(closedAfterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS + 1_000 - 10);
    expect(closedAfterMs).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 1_000 + LATE_BY_AT_MOST_MS);
  });

  it('a live event stream outlives every timeout: the limits are on receiving requests, not on answers', async () => {
    const stream = await openSse(`${base}/api/v1/events`, owner.headers);
    expect(stream.status).toBe(200);
    let endedEarly = false;
    void stream.ended.then(() => (endedEarly = true));
    const lifetime = 3 * (REQUEST_TIMEOUT_MS + KEEP_ALIVE_TIMEOUT_MS);
    await new Promise((resolve) => setTimeout(resolve, lifetime));
    expect(endedEarly).toBe(false);
    const heartbeats = stream.comments.length;
    expect(heartbeats).toBeGreaterThanOrEqual(Math.floor(lifetime / 200) - 2);
    stream.close();
  });
});
