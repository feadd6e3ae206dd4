import { and, eq, sql } from 'drizzle-orm';
import { contentItems, contentTypes, sites } from '../db/schema/index.js';
import type { Tx } from '../db/types.js';
import { insertType } from '../content/content-types.repo.js';

// Find-or-create look-ups by the demo's natural keys (slugs, titles), so loading it twice changes nothing.

export async function findOrCreateContentType(
  tx: Tx,
  values: { organizationId: string; slug: string; name: string; schema: Record<string, unknown> },
): Promise<{ id: string; created: boolean }> {
  const [existing] = await tx
    .select({ id: contentTypes.id })
    .from(contentTypes)
    .where(eq(contentTypes.slug, values.slug));
  if (existing) return { id: existing.id, created: false };
  return { id: (await insertType(tx, values)).id, created: true };
}

export async function findOrCreateItem(
  tx: Tx,
  values: {
    organizationId: string;
    contentTypeId: string;
    title: string;
    status: 'draft' | 'published';
    data: Record<string, unknown>;
    createdBy: string | null;
  },
): Promise<{ id: string; created: boolean }> {
  const [existing] = await tx
    .select({ id: contentItems.id })
    .from(contentItems)
    .where(and(eq(contentItems.contentTypeId, values.contentTypeId), eq(contentItems.title, values.title)));
  if (existing) return { id: existing.id, created: false };
  const publishedAt = values.status === 'published' ? new Date().toISOString() : null;
  const [row] = await tx
    .insert(contentItems)
    // clock_timestamp(), not now(): items created in this one transaction keep their order (A, B, C, D).
    .values({ ...values, publishedAt, createdAt: sql`clock_timestamp()` })
    .returning({ id: contentItems.id });
  return { id: row!.id, created: true };
}

export async function findSiteIdBySlug(tx: Tx, slug: string): Promise<string | undefined> {
  const [row] = await tx.select({ id: sites.id }).from(sites).where(eq(sites.slug, slug));
  return row?.id;
}
