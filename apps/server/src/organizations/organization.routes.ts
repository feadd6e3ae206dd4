import { OrganizationSchema } from '@datasync/contracts';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { getOrganization, updateOrganization } from './organizations.service.js';

const UpdateOrganizationBodySchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const organizationRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/api/v1/organization',
    {
      config: { access: 'organization:read' },
      schema: { tags: ['organization'], response: { 200: OrganizationSchema } },
    },
    (request) => getOrganization(db, request.principal!),
  );

  app.patch(
    '/api/v1/organization',
    {
      config: { access: 'organization:manage' },
      schema: {
        tags: ['organization'],
        body: UpdateOrganizationBodySchema,
        response: { 200: OrganizationSchema },
      },
    },
    (request) => updateOrganization(db, request.principal!, request.body),
  );
};
