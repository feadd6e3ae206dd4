import {
  AlertChannelSchema,
  AlertChannelWithSecretSchema,
  AlertSchema,
  CreateAlertChannelBodySchema,
} from '@datasync/contracts';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { IdParamsSchema } from '../http/common-schemas.js';
import {
  createAlertChannel,
  deleteAlertChannel,
  getAlertChannels,
  testAlertChannel,
} from './alert-channels.service.js';

export const alertChannelRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get(
    '/api/v1/alert-channels',
    {
      config: { access: 'alerts:manage' },
      schema: { tags: ['alerts'], response: { 200: Type.Array(AlertChannelSchema) } },
    },
    (request) => getAlertChannels(deps, request.principal!),
  );

  app.post(
    '/api/v1/alert-channels',
    {
      config: { access: 'alerts:manage' },
      schema: {
        tags: ['alerts'],
        body: CreateAlertChannelBodySchema,
        response: { 201: AlertChannelWithSecretSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createAlertChannel(deps, request.principal!, request.body)),
  );

  app.delete(
    '/api/v1/alert-channels/:id',
    { config: { access: 'alerts:manage' }, schema: { tags: ['alerts'], params: IdParamsSchema } },
    async (request, reply) => {
      await deleteAlertChannel(deps, request.principal!, request.params.id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/alert-channels/:id/test',
    {
      config: { access: 'alerts:manage' },
      schema: { tags: ['alerts'], params: IdParamsSchema, response: { 200: AlertSchema } },
    },
    (request) => testAlertChannel(deps, request.principal!, request.params.id),
  );
};
