import { Type, type Static } from '@sinclair/typebox';
import { RoleSchema } from './roles.js';

const Email = Type.String({ format: 'email', maxLength: 254 });
/** The shortest password a new account may have; the server also refuses commonly used ones. */
export const PASSWORD_MIN_LENGTH = 10;

// The minimum length is checked by the server's password policy, whose messages name the rule in words.
const Password = Type.String({
  maxLength: 128,
  description: `At least ${PASSWORD_MIN_LENGTH} characters, and not a commonly used password.`,
});

export const SignupBodySchema = Type.Object(
  {
    email: Email,
    password: Password,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    organization_name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Creates this organization, with you as owner.',
      }),
    ),
    invitation_token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Joins the organization that invited this email, with the invited role.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Exactly one of organization_name and invitation_token.',
  },
);
export type SignupBody = Static<typeof SignupBodySchema>;

/** `open`: anyone may sign up and create an organization; `invite-only`: only the first user, or with an invitation. */
export const SignupModeSchema = Type.Object({
  mode: Type.Union([Type.Literal('open'), Type.Literal('invite-only')]),
  first_user: Type.Boolean({
    description: 'No account exists yet: the next sign-up creates the first organization.',
  }),
});
export type SignupMode = Static<typeof SignupModeSchema>;

export const LoginBodySchema = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBodySchema>;

export const UserSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.String(),
});

export const OrganizationSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  slug: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});
export type Organization = Static<typeof OrganizationSchema>;

const MembershipSummarySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  role: RoleSchema,
});

/** The login answer: who you are and where you belong. /me then tells the active organization. */
export const SessionInfoSchema = Type.Object({
  user: UserSchema,
  organizations: Type.Array(MembershipSummarySchema),
});

export const MeSchema = Type.Object({
  user: Type.Union([UserSchema, Type.Null()], { description: 'null when the caller is an API key' }),
  organization: OrganizationSchema,
  role: RoleSchema,
  auth: Type.Union([Type.Literal('session'), Type.Literal('api_key')]),
  organizations: Type.Array(MembershipSummarySchema),
});
export type Me = Static<typeof MeSchema>;
