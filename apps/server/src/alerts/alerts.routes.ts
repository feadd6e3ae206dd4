import { AlertSchema, PageQuerySchema, PageSchema } from '@datasync/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { DEFAULT_PAGE_SIZE } from '../http/pagination.js';
import { getAlerts } from './alerts.service.js';

export const alertRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, deps) => {
  app.get(
    '/api/v1/alerts',
    {
      config: { access: 'sites:read' },
      schema: { tags: ['alerts'], querystring: PageQuerySchema, response: { 200: PageSchema(AlertSchema) } },
    },
    (request) =>
      getAlerts(deps, request.principal!, {
        limit: request.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: request.query.cursor,
      }),
  );
};
