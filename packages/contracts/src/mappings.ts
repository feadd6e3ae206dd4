import { Type, type Static } from '@sinclair/typebox';

export const MappingModeSchema = Type.Union(
  [Type.Literal('full'), Type.Literal('override'), Type.Literal('block')],
  {
    description: 'full: sent as-is; override: sent with this site’s overrides merged in; block: never sent',
  },
);
export type MappingMode = Static<typeof MappingModeSchema>;

/** Overrides are a JSON Merge Patch (RFC 7396) over the item's data: objects merge, null removes, else replaces. */
const OverridesSchema = Type.Record(Type.String(), Type.Unknown(), {
  description: 'JSON Merge Patch applied to the item data for this site (override mode only)',
});

export const MappingSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  site_id: Type.String({ format: 'uuid' }),
  content_item_id: Type.String({ format: 'uuid' }),
  mode: MappingModeSchema,
  overrides: OverridesSchema,
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type Mapping = Static<typeof MappingSchema>;

export const MappingListQuerySchema = Type.Object(
  {
    site_id: Type.Optional(Type.String({ format: 'uuid' })),
    content_item_id: Type.Optional(Type.String({ format: 'uuid' })),
  },
  { additionalProperties: false },
);

export const PutMappingBodySchema = Type.Object(
  {
    site_id: Type.String({ format: 'uuid' }),
    content_item_id: Type.String({ format: 'uuid' }),
    mode: MappingModeSchema,
    overrides: Type.Optional(OverridesSchema),
  },
  { additionalProperties: false },
);
export type PutMappingBody = Static<typeof PutMappingBodySchema>;
