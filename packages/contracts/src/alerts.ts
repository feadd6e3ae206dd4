import { Type, type Static } from '@sinclair/typebox';

const Uuid = () => Type.String({ format: 'uuid' });
const Timestamp = () => Type.String({ format: 'date-time' });

export const ALERT_TYPES = [
  'site.failing',
  'site.recovered',
  'site.disabled',
  'sync.failed',
  'test',
] as const;
export const AlertTypeSchema = Type.Union(ALERT_TYPES.map((type) => Type.Literal(type)));
export type AlertType = (typeof ALERT_TYPES)[number];

export const AlertChannelTypeSchema = Type.Union([Type.Literal('webhook'), Type.Literal('email')]);
export type AlertChannelType = Static<typeof AlertChannelTypeSchema>;

export const CreateAlertChannelBodySchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('webhook'),
      url: Type.String({
        format: 'uri',
        maxLength: 2048,
        description:
          'http(s) URL alerts are POSTed to, signed with Standard Webhooks; the same SSRF rules as sites',
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('email'),
      to: Type.String({ format: 'email', maxLength: 320, description: 'the address alerts are mailed to' }),
    },
    { additionalProperties: false },
  ),
]);
export type CreateAlertChannelBody = Static<typeof CreateAlertChannelBodySchema>;

export const AlertChannelSchema = Type.Object({
  id: Uuid(),
  type: AlertChannelTypeSchema,
  url: Type.Union([Type.String(), Type.Null()], { description: 'webhook channels' }),
  to: Type.Union([Type.String(), Type.Null()], { description: 'email channels' }),
  signing_secret_hint: Type.Union([Type.String(), Type.Null()], {
    description: 'webhook channels: the masked signing secret',
  }),
  created_at: Timestamp(),
});
export type AlertChannel = Static<typeof AlertChannelSchema>;

/** The create answer: a webhook channel's signing secret is shown here once. */
export const AlertChannelWithSecretSchema = Type.Intersect([
  AlertChannelSchema,
  Type.Object({
    signing_secret: Type.Union([Type.String(), Type.Null()], {
      description: 'webhook channels: whsec_ + base64 of 32 random bytes (Standard Webhooks); shown once',
    }),
  }),
]);
export type AlertChannelWithSecret = Static<typeof AlertChannelWithSecretSchema>;

const Named = Type.Object({ id: Uuid(), slug: Type.String(), name: Type.String() });

/** What a channel receives: the JSON body of an alert webhook, and the facts of an alert email. */
export const AlertBodySchema = Type.Object({
  type: AlertTypeSchema,
  timestamp: Timestamp(),
  organization: Named,
  site: Type.Union([Named, Type.Null()], { description: 'null for sync.failed and test alerts' }),
  job: Type.Union(
    [
      Type.Object({
        id: Uuid(),
        status: Type.Union([Type.Literal('failed'), Type.Literal('partial')]),
        failed_sites: Type.Array(
          Type.Object({ ...Named.properties, error: Type.Union([Type.String(), Type.Null()]) }),
        ),
      }),
      Type.Null(),
    ],
    { description: 'sync.failed alerts: the job and the sites that failed in it' },
  ),
  last_error: Type.Union([Type.String(), Type.Null()]),
  link: Type.String({ description: 'the site (or, for sync.failed, the job) in the admin UI' }),
});
export type AlertBody = Static<typeof AlertBodySchema>;

export const AlertSendStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('success'),
  Type.Literal('failed'),
]);

export const AlertSchema = Type.Object({
  id: Uuid(),
  type: AlertTypeSchema,
  created_at: Timestamp(),
  body: AlertBodySchema,
  sends: Type.Array(
    Type.Object({
      channel_id: Type.Union([Uuid(), Type.Null()], { description: 'null once the channel was removed' }),
      channel_type: AlertChannelTypeSchema,
      status: AlertSendStatusSchema,
      attempts: Type.Integer(),
      error: Type.Union([Type.String(), Type.Null()]),
      completed_at: Type.Union([Timestamp(), Type.Null()]),
    }),
  ),
});
export type Alert = Static<typeof AlertSchema>;
