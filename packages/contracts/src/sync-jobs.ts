import { Type, type Static } from '@sinclair/typebox';

const Uuid = () => Type.String({ format: 'uuid' });
const Timestamp = () => Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const JobStatusSchema = Type.Union(
  ['queued', 'running', 'success', 'partial', 'failed'].map((status) => Type.Literal(status)),
);
export const JobTriggerSchema = Type.Union(
  ['manual', 'publish', 'schedule', 'api'].map((t) => Type.Literal(t)),
);
export const DeliveryStatusSchema = Type.Union(
  ['pending', 'in_progress', 'success', 'failed', 'superseded', 'up_to_date'].map((status) =>
    Type.Literal(status),
  ),
);

export const CreateSyncJobBodySchema = Type.Object(
  {
    site_ids: Type.Optional(
      Type.Array(Uuid(), {
        minItems: 1,
        maxItems: 10_000,
        uniqueItems: true,
        description: 'default: every site',
      }),
    ),
    force: Type.Optional(Type.Boolean({ description: 'send even to sites whose content has not changed' })),
  },
  { additionalProperties: false },
);
export type CreateSyncJobBody = Static<typeof CreateSyncJobBodySchema>;

export const SyncJobSummarySchema = Type.Object({
  id: Uuid(),
  status: JobStatusSchema,
  trigger: JobTriggerSchema,
  force: Type.Boolean(),
  error: Nullable(Type.String()),
  created_at: Timestamp(),
  started_at: Nullable(Timestamp()),
  completed_at: Nullable(Timestamp()),
});
export type SyncJobSummary = Static<typeof SyncJobSummarySchema>;

export const JobSiteSchema = Type.Object({
  delivery_id: Uuid(),
  site_id: Uuid(),
  site_slug: Type.String(),
  site_name: Type.String(),
  status: DeliveryStatusSchema,
  attempts: Type.Integer(),
  version: Nullable(Type.Integer()),
  item_count: Nullable(Type.Integer()),
  response_code: Nullable(Type.Integer()),
  latency_ms: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  next_attempt_at: Nullable(Timestamp()),
  completed_at: Nullable(Timestamp()),
});
export type JobSite = Static<typeof JobSiteSchema>;

export const JobCountsSchema = Type.Object(
  {
    delivered: Type.Integer(),
    up_to_date: Type.Integer(),
    failed: Type.Integer(),
    superseded: Type.Integer({
      description: 'sites whose delivery a newer job took over before it was accepted',
    }),
  },
  { description: "the job's sites by how its pass over them ended" },
);
export type JobCounts = Static<typeof JobCountsSchema>;

export const SyncJobSchema = Type.Intersect([
  SyncJobSummarySchema,
  Type.Object({ counts: JobCountsSchema, sites: Type.Array(JobSiteSchema) }),
]);
export type SyncJob = Static<typeof SyncJobSchema>;

export const JobLogSchema = Type.Object({
  id: Type.String({ description: 'increasing; the SSE event id of this line' }),
  level: Type.Union(['debug', 'info', 'warn', 'error'].map((level) => Type.Literal(level))),
  message: Type.String(),
  site_id: Nullable(Uuid()),
  metadata: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  created_at: Timestamp(),
});
export type JobLog = Static<typeof JobLogSchema>;

export const SnapshotSchema = Type.Object({
  site_id: Uuid(),
  job_id: Nullable(Uuid()),
  version: Type.Integer(),
  payload_hash: Type.String(),
  item_count: Type.Integer(),
  received_at: Timestamp(),
  payload: Type.Unknown({ description: 'the webhook body the site accepted' }),
});
export type Snapshot = Static<typeof SnapshotSchema>;

export const DeliveryPayloadSchema = Type.Object({
  delivery_id: Uuid(),
  site_id: Uuid(),
  job_id: Type.Union([Uuid(), Type.Null()], { description: "null for a site's own send after a job" }),
  status: DeliveryStatusSchema,
  version: Type.Integer(),
  item_count: Type.Integer(),
  payload_hash: Type.String(),
  payload: Type.Unknown({
    description: 'the webhook body of this delivery, as sent (or, if never sent, as planned)',
  }),
});
export type DeliveryPayload = Static<typeof DeliveryPayloadSchema>;
