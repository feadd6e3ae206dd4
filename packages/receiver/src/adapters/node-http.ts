import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookReceiver } from '../receiver.js';
import type { ReceiverResponse } from '../types.js';
import { declaresTooMuch, readLimited } from './read-body.js';

export type NodeWebhookHandler = (
  request: IncomingMessage,
  response: ServerResponse,
) => Promise<ReceiverResponse>;

/**
 * A `node:http` request listener (also usable as Express/Connect middleware mounted before any body parser).
 * Resolves with the answer it sent, for logging.
 */
export function createNodeHandler(receiver: WebhookReceiver): NodeWebhookHandler {
  return async (request, response) => {
    let answer: ReceiverResponse;
    if (request.method !== 'POST') {
      answer = {
        status: 405,
        outcome: 'malformed',
        headers: { allow: 'POST', 'content-type': 'text/plain' },
        body: 'POST only',
      };
    } else if (declaresTooMuch(request.headers['content-length'], receiver.maxBodyBytes)) {
      answer = receiver.tooLarge();
    } else {
      const body = await readLimited(request, receiver.maxBodyBytes);
      answer = body ? await receiver.receive({ headers: request.headers, body }) : receiver.tooLarge();
    }
    // After a refused body the rest of it is still on the socket: close rather than reuse the connection.
    const close = answer.outcome === 'too_large' ? { connection: 'close' } : {};
    response.writeHead(answer.status, { ...answer.headers, ...close }).end(answer.body);
    return answer;
  };
}
