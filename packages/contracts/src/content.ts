import { Type, type Static } from '@sinclair/typebox';
import { PageQuerySchema } from './pagination.js';

export const CONTENT_STATUSES = ['draft', 'published', 'archived'] as const;
export const ContentStatusSchema = Type.Union(
  CONTENT_STATUSES.map((status) => Type.Literal(status)),
  { description: 'draft → published → archived, and back to draft (docs/content-schemas.md)' },
);
export type ContentStatus = Static<typeof ContentStatusSchema>;

/** A JSON object of any shape: a content type's JSON Schema, or an item's data (checked against that schema). */
const JsonObjectSchema = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

const Uuid = () => Type.String({ format: 'uuid' });
/** Text PostgreSQL can store: no U+0000, no unpaired surrogate (the pattern is matched in Unicode mode). */
const PlainText = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ ...options, pattern: '^[^\\u0000\\uD800-\\uDFFF]*$' });
const Timestamp = () => Type.String({ format: 'date-time' });

const Name = PlainText({ minLength: 1, maxLength: 100 });
const Slug = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,62}$',
  description: 'lowercase, starts with a letter; unique in the organization',
});
const ContentSchemaField = JsonObjectSchema(
  'JSON Schema 2020-12 whose root is `type: "object"` with `properties`; UI hints in docs/content-schemas.md',
);

export const ContentTypeSchema = Type.Object({
  id: Uuid(),
  name: Type.String(),
  slug: Type.String(),
  schema: ContentSchemaField,
  created_at: Timestamp(),
  updated_at: Timestamp(),
});
export type ContentType = Static<typeof ContentTypeSchema>;

export const CreateContentTypeBodySchema = Type.Object(
  { name: Name, slug: Slug, schema: ContentSchemaField },
  { additionalProperties: false },
);
export type CreateContentTypeBody = Static<typeof CreateContentTypeBodySchema>;

export const UpdateContentTypeBodySchema = Type.Partial(CreateContentTypeBodySchema, {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateContentTypeBody = Static<typeof UpdateContentTypeBodySchema>;

export const ContentItemSchema = Type.Object({
  id: Uuid(),
  title: Type.String(),
  content_type_id: Uuid(),
  content_type_slug: Type.String(),
  data: JsonObjectSchema('valid against the content type’s schema'),
  status: ContentStatusSchema,
  published_at: Type.Union([Timestamp(), Type.Null()], {
    description: 'when the item was last published; null while a draft',
  }),
  created_at: Timestamp(),
  updated_at: Timestamp(),
});
export type ContentItem = Static<typeof ContentItemSchema>;

const Title = PlainText({ minLength: 1, maxLength: 200 });
const ItemData = JsonObjectSchema('must validate against the content type’s schema (422 otherwise)');

export const CreateContentItemBodySchema = Type.Object(
  {
    title: Title,
    content_type_id: Uuid(),
    data: ItemData,
    status: Type.Optional(ContentStatusSchema),
  },
  { additionalProperties: false },
);
export type CreateContentItemBody = Static<typeof CreateContentItemBodySchema>;

export const UpdateContentItemBodySchema = Type.Partial(CreateContentItemBodySchema, {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateContentItemBody = Static<typeof UpdateContentItemBodySchema>;

export const ContentItemListQuerySchema = Type.Object(
  {
    ...PageQuerySchema.properties,
    status: Type.Optional(ContentStatusSchema),
    content_type_id: Type.Optional(Uuid()),
    q: Type.Optional(
      PlainText({ maxLength: 200, description: 'case-insensitive substring of the title; empty = all' }),
    ),
  },
  { additionalProperties: false },
);
export type ContentItemListQuery = Static<typeof ContentItemListQuerySchema>;

/** In the 409 problem refusing a schema change: an existing item the new schema rejects, and why. */
export const OffendingItemSchema = Type.Object({
  id: Uuid(),
  title: Type.String(),
  errors: Type.Array(Type.Object({ pointer: Type.String(), message: Type.String() })),
});
export type OffendingItem = Static<typeof OffendingItemSchema>;
