import {
  ContentTypeSchema,
  CreateContentTypeBodySchema,
  UpdateContentTypeBodySchema,
} from '@datasync/contracts';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { IdParamsSchema } from '../http/common-schemas.js';
import {
  createContentType,
  deleteContentType,
  getContentType,
  getContentTypes,
  updateContentType,
} from './content-types.service.js';

const tags = ['content-types'];

export const contentTypeRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/api/v1/content-types',
    {
      config: { access: 'content:read' },
      schema: { tags, response: { 200: Type.Array(ContentTypeSchema) } },
    },
    (request) => getContentTypes(db, request.principal!),
  );

  app.post(
    '/api/v1/content-types',
    {
      config: { access: 'content:write' },
      schema: { tags, body: CreateContentTypeBodySchema, response: { 201: ContentTypeSchema } },
    },
    async (request, reply) =>
      reply.status(201).send(await createContentType(db, request.principal!, request.body)),
  );

  app.get(
    '/api/v1/content-types/:id',
    {
      config: { access: 'content:read' },
      schema: { tags, params: IdParamsSchema, response: { 200: ContentTypeSchema } },
    },
    (request) => getContentType(db, request.principal!, request.params.id),
  );

  app.patch(
    '/api/v1/content-types/:id',
    {
      config: { access: 'content:write' },
      schema: {
        tags,
        params: IdParamsSchema,
        body: UpdateContentTypeBodySchema,
        response: { 200: ContentTypeSchema },
      },
    },
    (request) => updateContentType(db, request.principal!, request.params.id, request.body),
  );

  app.delete(
    '/api/v1/content-types/:id',
    { config: { access: 'content:write' }, schema: { tags, params: IdParamsSchema } },
    async (request, reply) => {
      await deleteContentType(db, request.principal!, request.params.id);
      return reply.status(204).send();
    },
  );
};
