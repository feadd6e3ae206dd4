import type { WebhookReceiver } from '../receiver.js';
import { declaresTooMuch, readLimited } from './read-body.js';

async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined); // stops the upload when we quit early
  }
}

/** A Fetch API handler (`Request` → `Response`): Node 18+, Deno, Bun, Cloudflare Workers, Next.js route handlers. */
export function createFetchHandler(receiver: WebhookReceiver): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'POST') {
      return new Response('POST only', {
        status: 405,
        headers: { allow: 'POST', 'content-type': 'text/plain' },
      });
    }
    let answer;
    if (declaresTooMuch(request.headers.get('content-length'), receiver.maxBodyBytes))
      answer = receiver.tooLarge();
    else {
      const body = request.body
        ? await readLimited(chunksOf(request.body), receiver.maxBodyBytes)
        : new Uint8Array(0);
      answer = body ? await receiver.receive({ headers: request.headers, body }) : receiver.tooLarge();
    }
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  };
}
