import {
  CreateSiteBodySchema,
  PageQuerySchema,
  PageSchema,
  RedeliverySchema,
  SiteDeliverySchema,
  SiteListQuerySchema,
  SiteSchema,
  SiteWithSecretSchema,
  UpdateSiteBodySchema,
} from '@datasync/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { IdParamsSchema } from '../http/common-schemas.js';
import { DEFAULT_PAGE_SIZE } from '../http/pagination.js';
import { getSiteDeliveries, redeliverSite } from '../sync/site-sends/site-sends.service.js';
import { createSite, deleteSite, getSite, getSites, rotateSiteSecret, updateSite } from './sites.service.js';

export const siteRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get(
    '/api/v1/sites',
    {
      config: { access: 'sites:read' },
      schema: {
        tags: ['sites'],
        querystring: SiteListQuerySchema,
        response: { 200: PageSchema(SiteSchema) },
      },
    },
    (request) =>
      getSites(deps, request.principal!, {
        limit: request.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: request.query.cursor,
        health: request.query.health,
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

  app.post(
    '/api/v1/sites/:id/redeliver',
    {
      config: { access: 'sync:run' },
      schema: {
        tags: ['sites'],
        summary: "Sends the site's latest payload now, skipping any backoff",
        params: IdParamsSchema,
        response: { 200: RedeliverySchema, 202: RedeliverySchema },
      },
    },
    async (request, reply) => {
      const result = await redeliverSite(deps, request.principal!, request.params.id);
      return reply.status(result.status === 'queued' ? 202 : 200).send(result);
    },
  );

  app.get(
    '/api/v1/sites/:id/deliveries',
    {
      config: { access: 'sites:read' },
      schema: {
        tags: ['sites'],
        params: IdParamsSchema,
        querystring: PageQuerySchema,
        response: { 200: PageSchema(SiteDeliverySchema) },
      },
    },
    (request) =>
      getSiteDeliveries(deps.db, request.principal!, request.params.id, {
        limit: request.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: request.query.cursor,
      }),
  );
};
