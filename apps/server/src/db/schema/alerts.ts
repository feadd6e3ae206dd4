import type { AlertBody, AlertChannelType, AlertType } from '@datasync/contracts';
import { integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, organizationIdColumn, tstz } from './columns.js';

export type AlertSendStatus = 'pending' | 'success' | 'failed';

/** Where an organization's alerts go (migration 0012): a signed webhook or an email address. */
export const alertChannels = pgTable('alert_channels', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  type: text('type').$type<AlertChannelType>().notNull(),
  /** Webhook channels. */
  url: text('url'),
  /** Email channels. */
  emailTo: text('email_to'),
  /** Webhook channels: the AES-256-GCM ciphertext of the signing secret. */
  signingSecretEncrypted: text('signing_secret_encrypted'),
  createdBy: uuid('created_by'),
  createdAt: createdAt(),
});

/** One per event, with the body every channel is sent (its `link` relative to PUBLIC_URL). */
export const alerts = pgTable('alerts', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  type: text('type').$type<AlertType>().notNull(),
  siteId: uuid('site_id'),
  jobId: uuid('job_id'),
  body: jsonb('body').$type<AlertBody>().notNull(),
  createdAt: createdAt(),
});

/** One alert's send to one channel; the channel may be gone since (channel_id null). */
export const alertSends = pgTable('alert_sends', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  alertId: uuid('alert_id').notNull(),
  channelId: uuid('channel_id'),
  channelType: text('channel_type').$type<AlertChannelType>().notNull(),
  status: text('status').$type<AlertSendStatus>().notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  responseCode: integer('response_code'),
  error: text('error'),
  nextAttemptAt: tstz('next_attempt_at'),
  createdAt: createdAt(),
  completedAt: tstz('completed_at'),
});
