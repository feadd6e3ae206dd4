import { Type, type Static } from '@sinclair/typebox';
import { RoleSchema } from './roles.js';

export const MemberSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user_id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  created_at: Type.String({ format: 'date-time' }),
});
export type Member = Static<typeof MemberSchema>;

export const UpdateMemberBodySchema = Type.Object({ role: RoleSchema }, { additionalProperties: false });

export const InvitationSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  role: RoleSchema,
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('accepted'),
    Type.Literal('revoked'),
    Type.Literal('expired'),
  ]),
  expires_at: Type.String({ format: 'date-time' }),
  created_at: Type.String({ format: 'date-time' }),
});
export type Invitation = Static<typeof InvitationSchema>;

export const CreateInvitationBodySchema = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), role: RoleSchema },
  { additionalProperties: false },
);

/** The token is returned once, on creation; only its hash is stored. */
export const CreatedInvitationSchema = Type.Intersect([
  InvitationSchema,
  Type.Object({ token: Type.String() }),
]);

export const AcceptInvitationBodySchema = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
