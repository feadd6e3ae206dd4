import { MappingListQuerySchema, MappingSchema, PutMappingBodySchema } from '@datasync/contracts';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { IdParamsSchema } from '../http/common-schemas.js';
import { getMappings, putMapping, removeMapping } from './mappings.service.js';

export const mappingRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/api/v1/mappings',
    {
      config: { access: 'content:read' },
      schema: {
        tags: ['mappings'],
        querystring: MappingListQuerySchema,
        response: { 200: Type.Array(MappingSchema) },
      },
    },
    (request) => getMappings(db, request.principal!, request.query),
  );

  app.put(
    '/api/v1/mappings',
    {
      config: { access: 'mappings:write' },
      schema: {
        tags: ['mappings'],
        body: PutMappingBodySchema,
        response: { 200: MappingSchema, 201: MappingSchema },
      },
    },
    async (request, reply) => {
      const { mapping, created } = await putMapping(db, request.principal!, request.body);
      return reply.status(created ? 201 : 200).send(mapping);
    },
  );

  app.delete(
    '/api/v1/mappings/:id',
    { config: { access: 'mappings:write' }, schema: { tags: ['mappings'], params: IdParamsSchema } },
    async (request, reply) => {
      await removeMapping(db, request.principal!, request.params.id);
      return reply.status(204).send();
    },
  );
};
