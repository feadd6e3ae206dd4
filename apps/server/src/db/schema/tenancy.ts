import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import type { Role } from '@datasync/contracts';
import { createdAt, idColumn, organizationIdColumn, tstz, updatedAt } from './columns.js';

export const organizations = pgTable('organizations', {
  id: idColumn(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const memberships = pgTable('memberships', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  userId: uuid('user_id').notNull(),
  role: text('role').$type<Role>().notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const invitations = pgTable('invitations', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  email: text('email').notNull(),
  role: text('role').$type<Role>().notNull(),
  tokenHash: text('token_hash').notNull(),
  status: text('status').$type<'pending' | 'accepted' | 'revoked'>().notNull().default('pending'),
  invitedBy: uuid('invited_by'),
  acceptedBy: uuid('accepted_by'),
  expiresAt: tstz('expires_at').notNull(),
  acceptedAt: tstz('accepted_at'),
  createdAt: createdAt(),
});

export const apiKeys = pgTable('api_keys', {
  id: idColumn(),
  organizationId: organizationIdColumn(),
  name: text('name').notNull(),
  role: text('role').$type<Role>().notNull(),
  prefix: text('prefix').notNull(),
  keyHash: text('key_hash').notNull(),
  createdBy: uuid('created_by'),
  createdAt: createdAt(),
  lastUsedAt: tstz('last_used_at'),
  revokedAt: tstz('revoked_at'),
});
