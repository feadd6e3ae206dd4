import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';

// Public like /healthz: aggregate counters only, nothing of any tenant. Keep it off the open internet (bind the
// port privately or filter /metrics at the proxy) as with any Prometheus endpoint.
export const metricsRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { metrics }) => {
  app.get('/metrics', { config: { access: 'public' }, schema: { tags: ['ops'] } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.scrape()),
  );
};
