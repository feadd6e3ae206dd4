import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Real webhook receivers for tests: node:http servers on 127.0.0.1, port 0, each answering from a script, so a
// test can stage outages, slowness, throttling, redirects, floods and broken connections against the real client.

/** How the receiver answers one request. Default: 200 with an empty body. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Sets the Retry-After header. */
  retryAfter?: string;
  /** Sets Location; the status defaults to 302. */
  redirectTo?: string;
  /** Streams this many filler bytes as the body (Infinity: until the client goes away), respecting backpressure. */
  bodyBytes?: number;
  /** Never answers, or stops after the headers and part of the body (until either side closes the connection). */
  hang?: true | 'mid-body';
  /** Destroys the socket: before any response, or after the headers and part of the body. */
  destroy?: 'before-response' | 'mid-body';
  /**
   * Slow-loris: sends the headers (content-length `bytes`), then the body one byte every `everyMs`, until it is
   * all sent or the client goes away.
   */
  trickle?: { bytes: number; everyMs: number };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The client's port: tells connections (and, through /proc, client processes) apart. */
  remotePort: number;
  /** `performance.now()` when the request arrived and when its response closed (null while still open). */
  startedAt: number;
  endedAt: number | null;
}

/** A single reply for every request; a list used in order, its last entry repeating; or a function. */
export type Script = Reply | Reply[] | ((request: ReceivedRequest, index: number) => Reply);

export interface ReceiverOptions {
  /** Serve HTTPS with this key and certificate (see selfSignedCertificate). */
  tls?: { key: string; cert: string };
  /** Listen on this port (e.g. one a test left unused so far, to come back up on); default: any free port. */
  port?: number;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>/hook` (https: with the tls option) */
  url: string;
  /** `http://127.0.0.1:<port>` (https: with the tls option) */
  origin: string;
  port: number;
  /** Every request whose body arrived, in arrival order. */
  requests: ReceivedRequest[];
  /** Requests being answered now, and the most there ever were at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** TCP connections accepted: fewer than requests when the client keeps connections alive. */
  readonly connections: number;
  /** Responses whose connection closed before the whole response was written (the client stopped reading). */
  readonly cutShort: number;
  /** Response body bytes handed to the sockets (filler and trickle bodies), whether or not the client read them. */
  readonly bodyBytesSent: number;
  close(): Promise<void>;
}

function replyFor(script: Script, request: ReceivedRequest, index: number): Reply {
  if (typeof script === 'function') return script(request, index);
  if (Array.isArray(script)) return script[Math.min(index, script.length - 1)] ?? {};
  return script;
}

/** Resolves on 'drain', or on 'close' when the client went away (a 'drain' that will never come). */
function writable(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

async function streamFiller(
  response: ServerResponse,
  total: number,
  counted: (bytes: number) => void,
): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  while (sent < total && !response.destroyed) {
    const size = Math.min(chunk.length, total - sent);
    sent += size;
    counted(size);
    if (!response.write(size === chunk.length ? chunk : chunk.subarray(0, size))) await writable(response);
  }
  if (!response.destroyed) response.end();
}

async function trickleBody(
  response: ServerResponse,
  { bytes, everyMs }: { bytes: number; everyMs: number },
  counted: (bytes: number) => void,
): Promise<void> {
  for (let sent = 0; sent < bytes && !response.destroyed; sent++) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    if (response.destroyed) return;
    response.write('x');
    counted(1);
  }
  if (!response.destroyed) response.end();
}

export async function startReceiver(script: Script = {}, options: ReceiverOptions = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let cutShort = 0;
  let connections = 0;
  let bodyBytesSent = 0;
  const counted = (bytes: number) => (bodyBytesSent += bytes);

  const handle: RequestListener = async (req, res) => {
    const request: ReceivedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: '',
      remotePort: req.socket.remotePort ?? 0,
      startedAt: performance.now(),
      endedAt: null,
    };
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => {
      inFlight--;
      if (!res.writableFinished) cutShort++;
      request.endedAt = performance.now();
    });
    res.on('error', () => {}); // a client that hangs up mid-response is one of the staged cases

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    request.body = Buffer.concat(chunks).toString('utf8');
    const reply = replyFor(script, request, requests.length);
    requests.push(request);

    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (reply.hang === true || res.destroyed) return;
    if (reply.destroy === 'before-response') {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
    if (reply.redirectTo !== undefined) headers.location = reply.redirectTo;
    const status = reply.status ?? (reply.redirectTo !== undefined ? 302 : 200);

    if (reply.hang === 'mid-body') {
      res.writeHead(status, { ...headers, 'content-length': '1000' });
      res.write('x'.repeat(100));
      return;
    }
    if (reply.destroy === 'mid-body') {
      res.writeHead(status, { ...headers, 'content-length': '1000' });
      res.write('x'.repeat(100), () => req.socket.destroy());
      return;
    }
    if (reply.bodyBytes !== undefined) {
      const length = Number.isFinite(reply.bodyBytes) ? { 'content-length': String(reply.bodyBytes) } : {};
      res.writeHead(status, { ...headers, ...length });
      await streamFiller(res, reply.bodyBytes, counted);
      return;
    }
    if (reply.trickle !== undefined) {
      res.writeHead(status, { ...headers, 'content-length': String(reply.trickle.bytes) });
      res.flushHeaders();
      await trickleBody(res, reply.trickle, counted);
      return;
    }
    res.writeHead(status, headers).end(reply.body ?? '');
  };
  const server = options.tls ? createHttpsServer(options.tls, handle) : createServer(handle);

  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    url: `${origin}/hook`,
    origin,
    port,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get connections() {
      return connections;
    },
    get cutShort() {
      return cutShort;
    },
    get bodyBytesSent() {
      return bodyBytesSent;
    },
    close() {
      server.closeAllConnections(); // hanging requests included
      return new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** A 127.0.0.1 port with nothing listening (it was free a moment ago): for connection-refused cases. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A throwaway self-signed certificate for `hostname` (made with the openssl CLI), PEM key and certificate. */
export function selfSignedCertificate(hostname: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'datasync-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
        .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')])
        .concat(['-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`]),
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
