import { Type, type Static } from '@sinclair/typebox';
import { PayloadItemSchema, WebhookSiteSchema } from './webhooks.js';

const ItemIds = Type.Array(Type.String({ format: 'uuid' }));

/** What the next sync would send one site, and how that differs from what the site last accepted. */
export const SitePreviewSchema = Type.Object({
  site: WebhookSiteSchema,
  items: Type.Array(PayloadItemSchema),
  item_count: Type.Integer(),
  payload_hash: Type.String({
    description: 'SHA-256 of the items; equal to the last snapshot’s = up to date',
  }),
  next_version: Type.Integer({ description: 'the version the site gets if this payload is sent' }),
  up_to_date: Type.Boolean(),
  last_snapshot: Type.Union([
    Type.Object({
      version: Type.Integer(),
      payload_hash: Type.String(),
      item_count: Type.Integer(),
      received_at: Type.String({ format: 'date-time' }),
    }),
    Type.Null(),
  ]),
  diff: Type.Object({ added: ItemIds, removed: ItemIds, changed: ItemIds, unchanged: ItemIds }),
});
export type SitePreview = Static<typeof SitePreviewSchema>;
