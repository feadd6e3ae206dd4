import {
  AcceptInvitationBodySchema,
  CreatedInvitationSchema,
  CreateInvitationBodySchema,
  InvitationSchema,
  RoleSchema,
} from '@datasync/contracts';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { IdParamsSchema } from '../http/common-schemas.js';
import { acceptInvitation, cancelInvitation, getInvitations, invite } from './invitations.service.js';

export const invitationRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/api/v1/invitations',
    {
      config: { access: 'members:manage' },
      schema: { tags: ['members'], response: { 200: Type.Array(InvitationSchema) } },
    },
    (request) => getInvitations(db, request.principal!),
  );

  app.post(
    '/api/v1/invitations',
    {
      config: { access: 'members:manage' },
      schema: {
        tags: ['members'],
        body: CreateInvitationBodySchema,
        response: { 201: CreatedInvitationSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await invite(db, request.principal!, request.body)),
  );

  app.delete(
    '/api/v1/invitations/:id',
    { config: { access: 'members:manage' }, schema: { tags: ['members'], params: IdParamsSchema } },
    async (request, reply) => {
      await cancelInvitation(db, request.principal!, request.params.id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/invitations/accept',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['members'],
        body: AcceptInvitationBodySchema,
        response: {
          200: Type.Object({ organization_id: Type.String({ format: 'uuid' }), role: RoleSchema }),
        },
      },
    },
    (request) => acceptInvitation(db, request.sessionUser!, request.body.token),
  );
};
