import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { DATABASE_RETRY_AFTER_SECONDS } from '../http/problem.js';
import { databaseHealth } from './health.service.js';

const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  database: Type.Literal('ok'),
});

const UnavailableSchema = Type.Object({
  status: Type.Literal('unavailable'),
  database: Type.Literal('unreachable'),
});

/**
 * Liveness and readiness in one: 200 only when the database answers; 503 when it cannot be reached or does not
 * answer within a few seconds, so that a load balancer takes the instance out of rotation until it does.
 */
export const healthRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { tags: ['ops'], response: { 200: HealthSchema, 503: UnavailableSchema } },
    },
    async (_request, reply) => {
      if ((await databaseHealth(db)) === 'ok') return { status: 'ok' as const, database: 'ok' as const };
      reply.log.warn('database unreachable: /healthz answered 503');
      return reply
        .status(503)
        .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
        .send({ status: 'unavailable' as const, database: 'unreachable' as const });
    },
  );
};
