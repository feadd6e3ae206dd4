import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { sameSecret } from '../crypto/bearer-tokens.js';
import { unauthorized } from '../http/problem.js';

// Aggregate counters only, nothing of any tenant. Public like /healthz unless METRICS_TOKEN is set; either way keep
// it off the open internet (bind the port privately or filter /metrics at the proxy) as any Prometheus endpoint.
export const metricsRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { config, metrics }) => {
  const token = config.metricsToken;
  app.get('/metrics', { config: { access: 'public' }, schema: { tags: ['ops'] } }, async (request, reply) => {
    if (token !== undefined) {
      const presented = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (presented === undefined || !sameSecret(presented, token)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"');
        throw unauthorized('GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>".');
      }
    }
    return reply.type(metrics.registry.contentType).send(await metrics.scrape());
  });
};
