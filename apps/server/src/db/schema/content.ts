import { jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, organizationIdColumn, tstz, updatedAt } from './columns.js';

export type ContentStatus = 'draft' | 'published' | 'archived';

export const contentTypes = pgTable('content_types', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  name: text('name').notNull(),
  slug: text('slug').notNull(),
  schema: jsonb('schema').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const contentItems = pgTable('content_items', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  contentTypeId: uuid('content_type_id').notNull(),
  title: text('title').notNull(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  status: text('status').$type<ContentStatus>().notNull().default('draft'),
  publishedAt: tstz('published_at'),
  createdBy: uuid('created_by'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
