import { DemoLoadResultSchema } from '@datasync/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { loadDemo } from './demo.service.js';

export const demoRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (
  app,
  { db, config, keys, demoLanding },
) => {
  // Owner only: loading the demo renames the organization and creates sites.
  app.post(
    '/api/v1/demo',
    {
      config: { access: 'organization:manage' },
      schema: { tags: ['demo'], response: { 200: DemoLoadResultSchema, 201: DemoLoadResultSchema } },
    },
    async (request, reply) => {
      const result = await loadDemo(db, request.principal!, {
        config,
        encryptionKey: keys.encryption,
        landing: demoLanding,
        log: request.log,
      });
      const createdAnything = Object.values(result.created).some((count) => count > 0);
      return reply.status(createdAnything ? 201 : 200).send(result);
    },
  );
};
