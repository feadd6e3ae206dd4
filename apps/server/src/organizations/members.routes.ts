import { MemberSchema, UpdateMemberBodySchema } from '@datasync/contracts';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { IdParamsSchema } from '../http/common-schemas.js';
import { changeMemberRole, getMembers, removeMember } from './members.service.js';

export const memberRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/api/v1/members',
    {
      config: { access: 'members:read' },
      schema: { tags: ['members'], response: { 200: Type.Array(MemberSchema) } },
    },
    (request) => getMembers(db, request.principal!),
  );

  app.patch(
    '/api/v1/members/:id',
    {
      config: { access: 'members:manage' },
      schema: {
        tags: ['members'],
        params: IdParamsSchema,
        body: UpdateMemberBodySchema,
        response: { 200: MemberSchema },
      },
    },
    (request) => changeMemberRole(db, request.principal!, request.params.id, request.body.role),
  );

  app.delete(
    '/api/v1/members/:id',
    { config: { access: 'members:manage' }, schema: { tags: ['members'], params: IdParamsSchema } },
    async (request, reply) => {
      await removeMember(db, request.principal!, request.params.id);
      return reply.status(204).send();
    },
  );
};
