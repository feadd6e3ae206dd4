import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const SITE_SLUG_PATTERN = '^[a-z][a-z0-9_-]{0,62}$';
export const SITE_URL_MAX_LENGTH = 2048;

const SiteName = Type.String({ minLength: 1, maxLength: 200 });
const SiteSlug = Type.String({
  pattern: SITE_SLUG_PATTERN,
  description: 'unique in the organization: a lowercase letter, then up to 62 of a-z, 0-9, "_" and "-"',
});
/** Syntax only; the server also refuses non-http(s) URLs and private or loopback hosts (422). */
const DestinationUrl = Type.String({
  format: 'uri',
  maxLength: SITE_URL_MAX_LENGTH,
  description: 'http(s) URL the signed webhooks are POSTed to; must reach a public address',
});
const PublicUrl = Type.String({
  format: 'uri',
  maxLength: SITE_URL_MAX_LENGTH,
  description: 'http(s) URL where the site can be viewed',
});

export const SiteSyncStatusSchema = Type.Union([
  Type.Literal('success'),
  Type.Literal('failed'),
  Type.Literal('up_to_date'),
]);

export const SiteHealthSchema = Type.Union(
  [Type.Literal('healthy'), Type.Literal('failing'), Type.Literal('disabled')],
  {
    description:
      'disabled: DataSync sends it nothing (disabled_reason says why); failing: its last send was not accepted, even after the quick retries; healthy: otherwise',
  },
);
export type SiteHealth = Static<typeof SiteHealthSchema>;

export const SiteSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  slug: Type.String(),
  destination_url: Type.String(),
  public_url: Nullable(Type.String()),
  enabled: Type.Boolean(),
  disabled_reason: Nullable(Type.String()),
  current_version: Type.Integer({ description: 'the last payload version handed out for this site' }),
  last_sync_status: Nullable(SiteSyncStatusSchema),
  last_sync_at: Nullable(Timestamp),
  health: SiteHealthSchema,
  failing_since: Type.Union([Timestamp, Type.Null()], {
    description: 'when the site started failing; kept while it is disabled after failing',
  }),
  last_success_at: Type.Union([Timestamp, Type.Null()], {
    description: 'when the site last accepted a delivery',
  }),
  consecutive_failures: Type.Integer({ description: 'sends not accepted since the last accepted one' }),
  next_attempt_at: Type.Union([Timestamp, Type.Null()], {
    description: "when the site's durable retry of its newest version is due; null when none is pending",
  }),
  last_error: Type.Union([Type.String(), Type.Null()], {
    description: 'what the last send that was not accepted got (status or network error)',
  }),
  signing_secret_hint: Type.Union([Type.String(), Type.Null()], {
    description: 'the masked signing secret ("whsec_…" and its last characters); null if it cannot be read',
  }),
  secret_rotation: Type.Union([Type.Object({ previous_expires_at: Timestamp }), Type.Null()], {
    description: 'set while the secret before the last rotation still signs: when it stops',
  }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Site = Static<typeof SiteSchema>;

export const CreateSiteBodySchema = Type.Object(
  {
    name: SiteName,
    slug: SiteSlug,
    destination_url: DestinationUrl,
    public_url: Type.Optional(Nullable(PublicUrl)),
  },
  { additionalProperties: false },
);
export type CreateSiteBody = Static<typeof CreateSiteBodySchema>;

export const UpdateSiteBodySchema = Type.Object(
  {
    name: Type.Optional(SiteName),
    slug: Type.Optional(SiteSlug),
    destination_url: Type.Optional(DestinationUrl),
    public_url: Type.Optional(Nullable(PublicUrl)),
    enabled: Type.Optional(
      Type.Boolean({ description: 'true re-enables a disabled site and clears disabled_reason' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateSiteBody = Static<typeof UpdateSiteBodySchema>;

/** `signing_secret` is in the create and rotate answers only; the server stores it encrypted. */
export const SiteWithSecretSchema = Type.Intersect([
  SiteSchema,
  Type.Object({
    signing_secret: Type.String({
      description: 'whsec_ + base64 of 32 random bytes (Standard Webhooks); shown once',
    }),
  }),
]);
export type SiteWithSecret = Static<typeof SiteWithSecretSchema>;

export const SiteListQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  health: Type.Optional(SiteHealthSchema),
});
export type SiteListQuery = Static<typeof SiteListQuerySchema>;

export const RedeliverySchema = Type.Object({
  status: Type.Union([Type.Literal('queued'), Type.Literal('up_to_date')], {
    description: 'queued: the latest payload is being sent now; up_to_date: the site already has it',
  }),
  version: Type.Union([Type.Integer(), Type.Null()], { description: 'the version sent, or the one it has' }),
  delivery_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
});
export type Redelivery = Static<typeof RedeliverySchema>;

export const SiteDeliverySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  job_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: "the sync job that planned it; null for the site's own sends after a job",
  }),
  trigger: Type.Union(
    [Type.Literal('retry'), Type.Literal('redeliver'), Type.Literal('enable'), Type.Null()],
    {
      description: "why the site's own send was made; null for a job's delivery",
    },
  ),
  version: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.Union(
    ['pending', 'in_progress', 'success', 'failed', 'superseded', 'up_to_date'].map((status) =>
      Type.Literal(status),
    ),
  ),
  attempts: Type.Integer(),
  response_code: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  next_attempt_at: Type.Union([Timestamp, Type.Null()]),
  created_at: Timestamp,
  completed_at: Type.Union([Timestamp, Type.Null()]),
});
export type SiteDelivery = Static<typeof SiteDeliverySchema>;
