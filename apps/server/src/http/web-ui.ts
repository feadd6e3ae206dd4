import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build --workspace apps/web` writes the admin UI. */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

const NOT_UI = /^\/(api|metrics|healthz)(\/|$)/;

/** Answers the request when it is for the UI (and says so); otherwise leaves it to the 404 problem. */
export type UiFallback = (request: FastifyRequest, reply: FastifyReply) => boolean;

/**
 * Serves the built admin UI on the API's origin (one origin: the session cookie just works, no CORS). It runs as the
 * 404 handler's first step, so it never shadows an API route and registers none of its own: GET requests outside
 * /api, /metrics and /healthz get a file of the build when one matches, else index.html (the SPA routes).
 */
export async function registerWebUi(app: FastifyInstance, root: string): Promise<UiFallback> {
  const base = resolve(root);
  await app.register(fastifyStatic, { root: base, serve: false });

  const fileFor = (pathname: string): string | null => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    const file = resolve(base, `.${decoded}`);
    if (!file.startsWith(base + sep)) return null;
    return existsSync(file) && statSync(file).isFile() ? file.slice(base.length + 1) : null;
  };

  return (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const pathname = request.url.split('?')[0]!;
    if (NOT_UI.test(pathname)) return false;
    if (!existsSync(join(base, 'index.html'))) {
      reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The admin UI is not built. Run `npm run build --workspace apps/web` (npm start does it).\n');
      return true;
    }
    const file = fileFor(pathname);
    if (file) {
      // Vite names assets by content hash: they never change. Anything else may.
      const immutable = file.startsWith(`assets${sep}`);
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.sendFile(file, { cacheControl: false });
      return true;
    }
    if (/\.[a-z0-9]+$/i.test(pathname)) return false; // a missing file, not a page: 404
    reply.header('cache-control', 'no-cache');
    reply.sendFile('index.html', { cacheControl: false });
    return true;
  };
}
