import type { FastifyInstance } from 'fastify';
import { forbidden } from './problem.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Session cookies are SameSite=Lax, which already keeps them off cross-site POSTs; this refuses any write whose
 * Origin is neither the configured public URL nor the host the request was sent to, for browsers that differ.
 * Requests without Origin (API clients, curl) are not browser-forged and pass.
 */
export function registerOriginCheck(app: FastifyInstance, publicUrl: string): void {
  const publicOrigin = new URL(publicUrl).origin;
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    const origin = request.headers.origin;
    if (!origin) return;
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw forbidden('Cross-origin request refused: malformed Origin header.');
    }
    if (origin === publicOrigin || originHost === request.headers.host) return;
    throw forbidden(`Cross-origin request refused from ${origin}.`);
  });
}
