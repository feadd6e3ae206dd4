import { Type, type Static } from '@sinclair/typebox';
import { DeliveryStatusSchema, JobStatusSchema } from './sync-jobs.js';

// The data of the Server-Sent Events of GET /api/v1/sync-jobs/:id/events and GET /api/v1/events
// (docs/live-events.md). A `log` event's data is a JobLog, exactly as GET /api/v1/sync-jobs/:id/logs returns it.

const Uuid = () => Type.String({ format: 'uuid' });

/** `event: site`: a site's delivery status changed; told by log line `log_id`. */
export const LiveSiteEventSchema = Type.Object({
  log_id: Type.String({ description: 'the log line that reports the change' }),
  job_id: Uuid(),
  site_id: Type.Union([Uuid(), Type.Null()], { description: 'null once the site was deleted' }),
  site_slug: Type.Union([Type.String(), Type.Null()]),
  status: DeliveryStatusSchema,
  created_at: Type.String({ format: 'date-time' }),
});
export type LiveSiteEvent = Static<typeof LiveSiteEventSchema>;

/** `event: job`: the job's status changed (running, then success, partial or failed). */
export const LiveJobEventSchema = Type.Object({
  log_id: Type.String(),
  job_id: Uuid(),
  status: JobStatusSchema,
  message: Type.String({ description: 'the log line that reports it' }),
  created_at: Type.String({ format: 'date-time' }),
});
export type LiveJobEvent = Static<typeof LiveJobEventSchema>;
