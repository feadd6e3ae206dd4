import { MeSchema } from '@datasync/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { describeCaller } from './me.service.js';

export const meRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/api/v1/me',
    { config: { access: 'organization:read' }, schema: { tags: ['auth'], response: { 200: MeSchema } } },
    (request) => describeCaller(db, request.principal!, request.sessionUser),
  );
};
