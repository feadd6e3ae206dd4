import { Type, type Static } from '@sinclair/typebox';
import { RoleSchema } from './roles.js';

/** Who a key acts for: it never acts above this user's current role, and is revoked when they leave. */
export const ApiKeyCreatorSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  email: Type.String(),
});
export type ApiKeyCreator = Static<typeof ApiKeyCreatorSchema>;

export const ApiKeySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  /** The most the key may do: it acts with the lesser of this and its creator's current role. */
  role: RoleSchema,
  created_by: Type.Union([ApiKeyCreatorSchema, Type.Null()], {
    description: 'null once the creator’s account is deleted (the key then authenticates no more)',
  }),
  prefix: Type.String({ description: 'the first characters of the key, to recognise it' }),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type ApiKey = Static<typeof ApiKeySchema>;

export const CreateApiKeyBodySchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), role: RoleSchema },
  { additionalProperties: false },
);

/** `key` is shown once, in the creation response; only its SHA-256 is stored. */
export const CreatedApiKeySchema = Type.Intersect([ApiKeySchema, Type.Object({ key: Type.String() })]);
