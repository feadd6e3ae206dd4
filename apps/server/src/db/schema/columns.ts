import { sql } from 'drizzle-orm';
import { customType, uuid } from 'drizzle-orm/pg-core';

/**
 * timestamptz as an ISO 8601 string (what the API sends). Both drivers hand back a Date or PostgreSQL's own text
 * form; either way it is normalized here, once.
 */
const isoTimestamp = customType<{ data: string; driverData: Date | string }>({
  dataType: () => 'timestamp with time zone',
  fromDriver: (value) => new Date(value).toISOString(),
  toDriver: (value) => value,
});

export const tstz = (name: string) => isoTimestamp(name);

export const idColumn = () => uuid('id').primaryKey().defaultRandom();
export const organizationIdColumn = () => uuid('organization_id').notNull();
export const createdAt = () =>
  tstz('created_at')
    .notNull()
    .default(sql`now()`);
export const updatedAt = () =>
  tstz('updated_at')
    .notNull()
    .default(sql`now()`);
