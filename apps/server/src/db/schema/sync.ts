import { sql } from 'drizzle-orm';
import { bigint, boolean, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, organizationIdColumn, tstz, updatedAt } from './columns.js';

export type JobStatus = 'queued' | 'running' | 'success' | 'partial' | 'failed';
export type JobTrigger = 'manual' | 'publish' | 'schedule' | 'api';
/** Why a delivery that belongs to no job was made (migration 0011): the site's own sends after a job. */
export type SiteDeliveryTrigger = 'retry' | 'redeliver' | 'enable';
export type DeliveryStatus = 'pending' | 'in_progress' | 'success' | 'failed' | 'superseded' | 'up_to_date';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const syncJobs = pgTable('sync_jobs', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  status: text('status').$type<JobStatus>().notNull().default('queued'),
  trigger: text('trigger').$type<JobTrigger>().notNull(),
  force: boolean('force').notNull().default(false),
  siteIds: uuid('site_ids').array(),
  createdBy: uuid('created_by'),
  apiKeyId: uuid('api_key_id'),
  error: text('error'),
  createdAt: createdAt(),
  startedAt: tstz('started_at'),
  completedAt: tstz('completed_at'),
  /** The last site (by id) the plan committed: plans commit their sites in chunks (planner.ts). */
  planCursor: uuid('plan_cursor'),
  /** When the plan's last chunk committed; the job cannot end before (job-finalizer.ts). */
  plannedAt: tstz('planned_at'),
});

export const deliveries = pgTable('deliveries', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  /** Null for a site's own sends after a job ended (`trigger` says why). */
  jobId: uuid('job_id'),
  siteId: uuid('site_id').notNull(),
  trigger: text('trigger').$type<SiteDeliveryTrigger>(),
  version: integer('version'),
  payloadHash: text('payload_hash'),
  webhookId: text('webhook_id').notNull(),
  itemCount: integer('item_count'),
  status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  responseCode: integer('response_code'),
  latencyMs: integer('latency_ms'),
  error: text('error'),
  nextAttemptAt: tstz('next_attempt_at'),
  /** The exact JSON body sent, for deliveries planned before migration 0004 (newer ones have an envelope). */
  body: text('body'),
  /** The webhook body without its items (migration 0004); the items are the payload named by payloadHash. */
  envelope: text('envelope'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  completedAt: tstz('completed_at'),
});

export const jobLogs = pgTable('job_logs', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  organizationId: organizationIdColumn(),
  jobId: uuid('job_id').notNull(),
  siteId: uuid('site_id'),
  level: text('level').$type<LogLevel>().notNull(),
  message: text('message').notNull(),
  metadata: jsonb('metadata').$type<Record<string, unknown>>(),
  /** Set when the line reports a site's new delivery status (migration 0002): a `site` event on the stream. */
  siteStatus: text('site_status').$type<DeliveryStatus>(),
  /** Set when the line reports the job's new status: a `job` event on the stream. */
  jobStatus: text('job_status').$type<JobStatus>(),
  createdAt: createdAt(),
});

export const destinationSnapshots = pgTable('destination_snapshots', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  siteId: uuid('site_id').notNull().unique(),
  jobId: uuid('job_id'),
  version: integer('version').notNull(),
  /** The accepted body, for snapshots taken before migration 0004; newer ones have an envelope instead. */
  payload: jsonb('payload').$type<unknown>(),
  envelope: text('envelope'),
  payloadHash: text('payload_hash').notNull(),
  itemCount: integer('item_count').notNull(),
  receivedAt: tstz('received_at')
    .notNull()
    .default(sql`now()`),
});

/**
 * An items array as sent, stored once per organization and content hash (migration 0004): deliveries and
 * snapshots name it by payload_hash. Never updated.
 */
export const payloads = pgTable(
  'payloads',
  {
    organizationId: organizationIdColumn(),
    hash: text('hash').notNull(),
    items: text('items').notNull(),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.organizationId, table.hash] })],
);

/**
 * The running sync workers and the pg-boss jobs each holds (migration 0010). Operational state like the pgboss
 * schema, not a tenant table: written through the connection role, no organization_id, no RLS (sync/recovery/).
 */
export const syncWorkers = pgTable('sync_workers', {
  id: uuid('id').primaryKey(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  startedAt: tstz('started_at')
    .notNull()
    .default(sql`now()`),
  lastSeenAt: tstz('last_seen_at')
    .notNull()
    .default(sql`now()`),
  heldJobIds: uuid('held_job_ids')
    .array()
    .notNull()
    .default(sql`'{}'`),
});
