import {
  ContentItemListQuerySchema,
  ContentItemSchema,
  CreateContentItemBodySchema,
  PageSchema,
  UpdateContentItemBodySchema,
} from '@datasync/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { IdParamsSchema } from '../http/common-schemas.js';
import {
  createContentItem,
  deleteContentItem,
  getContentItem,
  getContentItems,
  updateContentItem,
} from './content-items.service.js';
import type { PublishListener } from './publish-listener.js';

/** The database, and who hears of changes to published items (the sync engine, wired in http/app.ts). */
export type ContentItemRouteOptions = Pick<AppDeps, 'db'> & { publishListener: PublishListener };

const tags = ['content-items'];

export const contentItemRoutes: FastifyPluginAsyncTypebox<ContentItemRouteOptions> = async (
  app,
  { db, publishListener },
) => {
  app.get(
    '/api/v1/content-items',
    {
      config: { access: 'content:read' },
      schema: {
        tags,
        querystring: ContentItemListQuerySchema,
        response: { 200: PageSchema(ContentItemSchema) },
      },
    },
    (request) => getContentItems(db, request.principal!, request.query),
  );

  app.post(
    '/api/v1/content-items',
    {
      config: { access: 'content:write' },
      schema: { tags, body: CreateContentItemBodySchema, response: { 201: ContentItemSchema } },
    },
    async (request, reply) =>
      reply.status(201).send(await createContentItem(db, request.principal!, request.body)),
  );

  app.get(
    '/api/v1/content-items/:id',
    {
      config: { access: 'content:read' },
      schema: { tags, params: IdParamsSchema, response: { 200: ContentItemSchema } },
    },
    (request) => getContentItem(db, request.principal!, request.params.id),
  );

  app.patch(
    '/api/v1/content-items/:id',
    {
      config: { access: 'content:write' },
      schema: {
        tags,
        params: IdParamsSchema,
        body: UpdateContentItemBodySchema,
        response: { 200: ContentItemSchema },
      },
    },
    (request) => updateContentItem(db, publishListener, request.principal!, request.params.id, request.body),
  );

  app.delete(
    '/api/v1/content-items/:id',
    { config: { access: 'content:write' }, schema: { tags, params: IdParamsSchema } },
    async (request, reply) => {
      await deleteContentItem(db, publishListener, request.principal!, request.params.id);
      return reply.status(204).send();
    },
  );
};
