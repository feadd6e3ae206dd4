import {
  CreateSiteBodySchema,
  PageQuerySchema,
  PageSchema,
  SiteSchema,
  SiteWithSecretSchema,
  UpdateSiteBodySchema,
} from '@datasync/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { IdParamsSchema } from '../http/common-schemas.js';
import { DEFAULT_PAGE_SIZE } from '../http/pagination.js';
import { createSite, deleteSite, getSite, getSites, rotateSiteSecret, updateSite } from './sites.service.js';

export const siteRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get(
    '/api/v1/sites',
    {
      config: { access: 'sites:read' },
      schema: { tags: ['sites'], querystring: PageQuerySchema, response: { 200: PageSchema(SiteSchema) } },
    },
    (request) =>
      getSites(deps, request.principal!, {
        limit: request.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: request.query.cursor,
      }),
  );

  app.post(
    '/api/v1/sites',
    {
      config: { access: 'sites:write' },
      schema: { tags: ['sites'], body: CreateSiteBodySchema, response: { 201: SiteWithSecretSchema } },
    },
    async (request, reply) =>
      reply.status(201).send(await createSite(deps, request.principal!, request.body)),
  );

  app.get(
    '/api/v1/sites/:id',
    {
      config: { access: 'sites:read' },
      schema: { tags: ['sites'], params: IdParamsSchema, response: { 200: SiteSchema } },
    },
    (request) => getSite(deps, request.principal!, request.params.id),
  );

  app.patch(
    '/api/v1/sites/:id',
    {
      config: { access: 'sites:write' },
      schema: {
        tags: ['sites'],
        params: IdParamsSchema,
        body: UpdateSiteBodySchema,
        response: { 200: SiteSchema },
      },
    },
    (request) => updateSite(deps, request.principal!, request.params.id, request.body),
  );

  app.delete(
    '/api/v1/sites/:id',
    { config: { access: 'sites:write' }, schema: { tags: ['sites'], params: IdParamsSchema } },
    async (request, reply) => {
      await deleteSite(deps, request.principal!, request.params.id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/sites/:id/rotate-secret',
    {
      config: { access: 'sites:write' },
      schema: { tags: ['sites'], params: IdParamsSchema, response: { 200: SiteWithSecretSchema } },
    },
    (request) => rotateSiteSecret(deps, request.principal!, request.params.id),
  );
};
