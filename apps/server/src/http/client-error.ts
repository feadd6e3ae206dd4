import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { PROBLEM_CONTENT_TYPE, problemType } from './problem.js';

// Errors Node's HTTP parser raises before any request exists (a request not received within REQUEST_TIMEOUT_MS,
// headers too large, bytes that are not HTTP): no route or reply is there, so the answer is written on the socket,
// as problem+json like every other error, and the connection is closed.

const STATUS_OF: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request-timeout', 'The request was not received in time.'],
  HPE_HEADER_OVERFLOW: [431, 'headers-too-large', 'The request headers are too large.'],
};

/** Fastify's `clientErrorHandler` option. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, name, detail] = STATUS_OF[error.code ?? ''] ?? [
    400,
    'malformed-request',
    'The request is not valid HTTP.',
  ];
  const title = STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({ type: problemType(name), title, status, detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
