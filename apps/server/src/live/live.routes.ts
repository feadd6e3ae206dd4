import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { IdParamsSchema } from '../http/common-schemas.js';
import { parseEventId, START, type Position } from './event-ids.js';
import { LiveStreams } from './live.service.js';
import { NotificationHub } from './notification-hub.js';

/** Above this many bytes in a stream's socket buffer, its feed stops reading until the buffer drains. */
const MAX_BUFFERED_BYTES = 128 * 1024;

/**
 * How often an open stream checks that its caller still has access: a caller who lost it is cut off within this
 * and one check's time. Each check is the request's authentication again, two or three short queries.
 */
const ACCESS_CHECK_MS = 2_000;

const StreamQuerySchema = Type.Object(
  {
    last_event_id: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'resume after this event, for clients that cannot send the Last-Event-ID header',
      }),
    ),
    organization_id: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'the organization to act in, for clients that cannot send X-Organization-Id (EventSource)',
      }),
    ),
  },
  { additionalProperties: false },
);

const eventStreamResponse = (description: string) => ({
  200: {
    description,
    content: { 'text/event-stream': { schema: Type.String({ description: 'see docs/live-events.md' }) } },
  },
});

/**
 * The position the Last-Event-ID header names (what EventSource sends when it reconnects), else the query
 * parameter; null when the client sent neither.
 */
function lastEventId(request: FastifyRequest, query: { last_event_id?: string }): Position | null {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') {
    return parseEventId(header, { in: 'headers', pointer: '/last-event-id' });
  }
  if (query.last_event_id === undefined || query.last_event_id === '') return null;
  return parseEventId(query.last_event_id, { in: 'querystring', pointer: '/last_event_id' });
}

/**
 * The live event streams, registered on the root instance rather than as an encapsulated plugin: `liveStreams`
 * must be visible app-wide (tests, shutdown), and the close hooks must run when the app closes.
 */
export function registerLiveRoutes(root: FastifyInstance, deps: AppDeps): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const hub = new NotificationHub({ listen: deps.listen });
  const streams = new LiveStreams(
    deps.db,
    deps.executeSql,
    hub,
    {
      heartbeatMs: deps.config.liveHeartbeatMs,
      maxBufferedBytes: MAX_BUFFERED_BYTES,
      accessCheckMs: ACCESS_CHECK_MS,
    },
    (error) => root.log.error({ err: error }, 'live job tail read failed'),
    deps.writtenLines,
  );
  app.decorate('liveStreams', streams);
  // Open streams would keep the server from closing: end them first, then stop listening.
  app.addHook('preClose', async () => streams.endAll());
  app.addHook('onClose', () => hub.close());

  app.get(
    '/api/v1/sync-jobs/:id/events',
    {
      config: { access: 'sync:read' },
      schema: {
        tags: ['sync'],
        summary: 'Live log and status events of a sync job (Server-Sent Events)',
        params: IdParamsSchema,
        querystring: StreamQuerySchema,
        response: eventStreamResponse('`log`, `site` and `job` events; ends after the job ends'),
      },
    },
    async (request, reply) => {
      const from = lastEventId(request, request.query) ?? START;
      const stillAllowed = () => root.stillAllowed(request);
      await streams.streamJob(reply, request.principal!, stillAllowed, request.params.id, from);
      return reply;
    },
  );

  app.get(
    '/api/v1/events',
    {
      config: { access: 'sync:read' },
      schema: {
        tags: ['sync'],
        summary: "The organization's job starts and ends (Server-Sent Events)",
        querystring: StreamQuerySchema,
        response: eventStreamResponse('`job` events; never ends'),
      },
    },
    async (request, reply) => {
      const from = lastEventId(request, request.query);
      await streams.streamOrganization(reply, request.principal!, () => root.stillAllowed(request), from);
      return reply;
    },
  );
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The open live streams of this process (for tests and shutdown). */
    liveStreams: LiveStreams;
  }
}
