import { Type, type Static } from '@sinclair/typebox';

/** One item as a site receives it (docs/webhooks.md). */
export const PayloadItemSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  title: Type.String(),
  content_type: Type.String({ description: 'the content type slug' }),
  data: Type.Unknown({
    description: 'the item data, with this site’s overrides merged in for override mode',
  }),
  mode: Type.Union([Type.Literal('full'), Type.Literal('override')]),
});
export type PayloadItem = Static<typeof PayloadItemSchema>;

export const WebhookSiteSchema = Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String() });
