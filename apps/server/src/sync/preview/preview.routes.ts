import { SitePreviewSchema } from '@datasync/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../../app-deps.js';
import { IdParamsSchema } from '../../http/common-schemas.js';
import { previewSite } from './preview.service.js';

export const previewRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/api/v1/sites/:id/preview',
    {
      config: { access: 'sites:read' },
      schema: { tags: ['sites'], params: IdParamsSchema, response: { 200: SitePreviewSchema } },
    },
    (request) => previewSite(db, request.principal!, request.params.id),
  );
};
