import type { WebhookReceiver } from '../receiver.js';
import type { HeaderSource } from '../types.js';

/** The parts of an Express `req` or a Fastify `request` this adapter reads. */
export interface RawBodyRequest {
  headers: HeaderSource;
  body?: unknown;
  /** Where some set-ups (e.g. fastify-raw-body, or a `verify` hook in body-parser) keep the bytes. */
  rawBody?: unknown;
}

/** The parts of an Express `res` or a Fastify `reply` this adapter calls; both have these three methods. */
export interface ReplyLike {
  status(code: number): unknown;
  header(name: string, value: string): unknown;
  send(body: string): unknown;
}

const isBytes = (value: unknown): value is Uint8Array | string =>
  typeof value === 'string' || value instanceof Uint8Array;

export const RAW_BODY_HELP =
  'The webhook handler needs the raw request body to verify the signature. Express: ' +
  "app.post(path, express.raw({ type: 'application/json' }), handler). Fastify: " +
  "app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body)) " +
  'in the webhook route plugin.';

/**
 * A handler for Express and Fastify style `(request, reply)` APIs. The framework must hand over the body's exact
 * bytes: a parsed and re-serialized JSON object no longer matches its signature, so that set-up throws.
 * The body limit is the framework's (the adapter still answers 413 above `maxBodyBytes`).
 */
export function createFrameworkHandler(
  receiver: WebhookReceiver,
): (request: RawBodyRequest, reply: ReplyLike) => Promise<void> {
  return async (request, reply) => {
    const body = isBytes(request.rawBody) ? request.rawBody : request.body;
    if (!isBytes(body)) throw new TypeError(RAW_BODY_HELP);
    const answer = await receiver.receive({ headers: request.headers, body });
    reply.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
    // Resolves with nothing: Fastify warns when an async handler both sends and returns a value.
    reply.send(answer.body);
  };
}
