import { timestamp, uuid } from 'drizzle-orm/pg-core';

/** Timestamps come back as ISO strings: that is what the API sends, and it avoids Date round trips. */
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const idColumn = () => uuid('id').primaryKey().defaultRandom();
export const organizationIdColumn = () => uuid('organization_id').notNull();
export const createdAt = () => tstz('created_at').notNull().defaultNow();
export const updatedAt = () => tstz('updated_at').notNull().defaultNow();
