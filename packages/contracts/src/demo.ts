import { Type, type Static } from '@sinclair/typebox';

export const DemoLoadResultSchema = Type.Object({
  organization_name: Type.String(),
  created: Type.Object({
    content_types: Type.Integer(),
    content_items: Type.Integer(),
    sites: Type.Integer(),
  }),
  mappings: Type.Integer(),
  sites: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      slug: Type.String(),
      name: Type.String(),
      signing_secret: Type.Optional(
        Type.String({ description: 'only for sites created by this call; shown once' }),
      ),
    }),
  ),
});
export type DemoLoadResult = Static<typeof DemoLoadResultSchema>;
