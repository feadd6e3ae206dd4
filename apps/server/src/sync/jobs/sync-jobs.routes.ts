import {
  CreateSyncJobBodySchema,
  DeliveryPayloadSchema,
  JobLogSchema,
  PageQuerySchema,
  PageSchema,
  SnapshotSchema,
  SyncJobSchema,
  SyncJobSummarySchema,
} from '@datasync/contracts';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../../app-deps.js';
import { IdParamsSchema } from '../../http/common-schemas.js';
import { DEFAULT_PAGE_SIZE } from '../../http/pagination.js';
import {
  createSyncJob,
  getDeliveryPayload,
  getSnapshot,
  getSyncJob,
  getSyncJobLogs,
  getSyncJobs,
  retrySyncJob,
} from './sync-jobs.service.js';

const LogQuerySchema = Type.Object(
  {
    // Past the largest safe integer a number is no longer exact, and the id column (bigint) would refuse it.
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'only lines with a greater id',
      }),
    ),
  },
  { additionalProperties: false },
);

export const syncJobRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, queue }) => {
  app.post(
    '/api/v1/sync-jobs',
    {
      config: { access: 'sync:run' },
      schema: { tags: ['sync'], body: CreateSyncJobBodySchema, response: { 202: SyncJobSummarySchema } },
    },
    async (request, reply) =>
      reply.status(202).send(await createSyncJob(db, queue, request.principal!, request.body ?? {})),
  );

  app.get(
    '/api/v1/sync-jobs',
    {
      config: { access: 'sync:read' },
      schema: {
        tags: ['sync'],
        querystring: PageQuerySchema,
        response: { 200: PageSchema(SyncJobSummarySchema) },
      },
    },
    (request) =>
      getSyncJobs(db, request.principal!, {
        limit: request.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: request.query.cursor,
      }),
  );

  app.get(
    '/api/v1/sync-jobs/:id',
    {
      config: { access: 'sync:read' },
      schema: { tags: ['sync'], params: IdParamsSchema, response: { 200: SyncJobSchema } },
    },
    (request) => getSyncJob(db, request.principal!, request.params.id),
  );

  app.get(
    '/api/v1/sync-jobs/:id/logs',
    {
      config: { access: 'sync:read' },
      schema: {
        tags: ['sync'],
        params: IdParamsSchema,
        querystring: LogQuerySchema,
        response: { 200: Type.Array(JobLogSchema) },
      },
    },
    (request) => getSyncJobLogs(db, request.principal!, request.params.id, request.query.after ?? 0),
  );

  app.post(
    '/api/v1/sync-jobs/:id/retry',
    {
      config: { access: 'sync:run' },
      schema: { tags: ['sync'], params: IdParamsSchema, response: { 202: SyncJobSummarySchema } },
    },
    async (request, reply) =>
      reply.status(202).send(await retrySyncJob(db, queue, request.principal!, request.params.id)),
  );

  app.get(
    '/api/v1/deliveries/:id/payload',
    {
      config: { access: 'sync:read' },
      schema: { tags: ['sync'], params: IdParamsSchema, response: { 200: DeliveryPayloadSchema } },
    },
    (request) => getDeliveryPayload(db, request.principal!, request.params.id),
  );

  app.get(
    '/api/v1/sites/:id/snapshot',
    {
      config: { access: 'sites:read' },
      schema: { tags: ['sync'], params: IdParamsSchema, response: { 200: SnapshotSchema } },
    },
    (request) => getSnapshot(db, request.principal!, request.params.id),
  );
};
