import { Type, type Static } from '@sinclair/typebox';

const Uuid = (options: { description?: string } = {}) => Type.String({ format: 'uuid', ...options });
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

/**
 * The create body. One object rather than a union of the two shapes: the server checks the pairing itself, so a
 * wrong `type`, a missing or foreign field and a bad address each get one 422 entry naming that field (a union's
 * schema errors would list every branch's complaints, `url` missing for an email channel among them).
 */
export const CreateAlertChannelBodySchema = Type.Object(
  {
    type: Type.String({ maxLength: 32, description: '`webhook` or `email`' }),
    url: Type.Optional(
      Type.String({
        maxLength: 2048,
        description:
          'webhook channels: the http(s) URL alerts are POSTed to, signed with Standard Webhooks; the same SSRF rules as sites',
      }),
    ),
    to: Type.Optional(
      Type.String({ maxLength: 320, description: 'email channels: the address alerts are mailed to' }),
    ),
  },
  { additionalProperties: false },
);
/** What a valid create body is: one of the two channel types with its own field. */
export type CreateAlertChannelBody = { type: 'webhook'; url: string } | { type: 'email'; to: string };

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
      id: Uuid({ description: 'the `webhook-id` of a webhook send' }),
      channel_id: Type.Union([Uuid(), Type.Null()], { description: 'null once the channel was removed' }),
      channel_type: AlertChannelTypeSchema,
      status: AlertSendStatusSchema,
      attempts: Type.Integer(),
      response_code: Type.Union([Type.Integer(), Type.Null()], {
        description: "the receiver's HTTP status, or the SMTP server's reply code, of the last attempt",
      }),
      error: Type.Union([Type.String(), Type.Null()]),
      next_attempt_at: Type.Union([Timestamp(), Type.Null()], { description: 'while a retry is scheduled' }),
      completed_at: Type.Union([Timestamp(), Type.Null()]),
    }),
  ),
});
export type Alert = Static<typeof AlertSchema>;
