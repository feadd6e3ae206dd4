import { boolean, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, organizationIdColumn, tstz, updatedAt } from './columns.js';

export type MappingMode = 'full' | 'override' | 'block';

export const sites = pgTable('sites', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  name: text('name').notNull(),
  slug: text('slug').notNull(),
  destinationUrl: text('destination_url').notNull(),
  publicUrl: text('public_url'),
  signingSecretEncrypted: text('signing_secret_encrypted').notNull(),
  previousSigningSecretEncrypted: text('previous_signing_secret_encrypted'),
  previousSecretExpiresAt: tstz('previous_secret_expires_at'),
  enabled: boolean('enabled').notNull().default(true),
  disabledReason: text('disabled_reason'),
  currentVersion: integer('current_version').notNull().default(0),
  lastSyncStatus: text('last_sync_status').$type<'success' | 'failed' | 'up_to_date'>(),
  lastSyncAt: tstz('last_sync_at'),
  /** Set while the site's receiver does not accept its deliveries (migration 0011): health is `failing`. */
  failingSince: tstz('failing_since'),
  lastSuccessAt: tstz('last_success_at'),
  /** Sends not accepted since the last accepted one (a send's quick retries count as one). */
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
  /** When the site's pending durable retry is due; null when none is. */
  nextAttemptAt: tstz('next_attempt_at'),
  lastError: text('last_error'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const siteItemMappings = pgTable('site_item_mappings', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  siteId: uuid('site_id').notNull(),
  contentItemId: uuid('content_item_id').notNull(),
  mode: text('mode').$type<MappingMode>().notNull(),
  overrides: jsonb('overrides').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
