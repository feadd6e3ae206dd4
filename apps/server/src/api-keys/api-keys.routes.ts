import { ApiKeySchema, CreateApiKeyBodySchema, CreatedApiKeySchema } from '@datasync/contracts';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { IdParamsSchema } from '../http/common-schemas.js';
import { createApiKey, getApiKeys, revokeApiKey } from './api-keys.service.js';

export const apiKeyRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/api/v1/api-keys',
    {
      config: { access: 'api_keys:manage' },
      schema: { tags: ['api-keys'], response: { 200: Type.Array(ApiKeySchema) } },
    },
    (request) => getApiKeys(db, request.principal!),
  );

  app.post(
    '/api/v1/api-keys',
    {
      config: { access: 'api_keys:manage' },
      schema: { tags: ['api-keys'], body: CreateApiKeyBodySchema, response: { 201: CreatedApiKeySchema } },
    },
    async (request, reply) =>
      reply.status(201).send(await createApiKey(db, request.principal!, request.body)),
  );

  app.delete(
    '/api/v1/api-keys/:id',
    { config: { access: 'api_keys:manage' }, schema: { tags: ['api-keys'], params: IdParamsSchema } },
    async (request, reply) => {
      await revokeApiKey(db, request.principal!, request.params.id);
      return reply.status(204).send();
    },
  );
};
