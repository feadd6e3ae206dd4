import { and, eq, getTableColumns, ilike, sql, type SQL } from 'drizzle-orm';
import type { ContentStatus } from '@datasync/contracts';
import { contentItems, contentTypes } from '../db/schema/index.js';
import type { Tx } from '../db/types.js';
import { cursorKeyOf, keyset } from '../db/keyset.js';

export type ContentItemRow = typeof contentItems.$inferSelect & { contentTypeSlug: string };
type PublishedAt = 'set' | 'keep' | 'clear';

const withTypeSlug = { ...getTableColumns(contentItems), contentTypeSlug: contentTypes.slug };

function publishedAtValue(change: PublishedAt | undefined): SQL | null | undefined {
  if (change === 'set') return sql`now()`;
  return change === 'clear' ? null : undefined;
}

/** `q` is a substring, not a pattern: LIKE's wildcards and escape character in it match themselves. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export interface ItemFilter {
  status?: ContentStatus;
  contentTypeId?: string;
  q?: string;
}

/** Newest first, `limit + 1` rows from `cursor` on (see toPage). */
export function listItems(
  tx: Tx,
  filter: ItemFilter,
  page: { limit: number; cursor?: string },
): Promise<(ContentItemRow & { cursorKey: string })[]> {
  const { after, orderBy } = keyset(contentItems, page.cursor);
  return tx
    .select({ ...withTypeSlug, cursorKey: cursorKeyOf(contentItems.createdAt) })
    .from(contentItems)
    .innerJoin(contentTypes, eq(contentTypes.id, contentItems.contentTypeId))
    .where(
      and(
        after,
        filter.status ? eq(contentItems.status, filter.status) : undefined,
        filter.contentTypeId ? eq(contentItems.contentTypeId, filter.contentTypeId) : undefined,
        filter.q ? ilike(contentItems.title, `%${escapeLike(filter.q)}%`) : undefined,
      ),
    )
    .orderBy(...orderBy)
    .limit(page.limit + 1);
}

/** `lock`: 'update' before changing the item, so concurrent changes to it apply one after the other. */
export async function findItem(tx: Tx, id: string, lock?: 'update'): Promise<ContentItemRow | undefined> {
  const query = tx
    .select(withTypeSlug)
    .from(contentItems)
    .innerJoin(contentTypes, eq(contentTypes.id, contentItems.contentTypeId))
    .where(eq(contentItems.id, id));
  const [row] = await (lock ? query.for(lock, { of: contentItems }) : query);
  return row;
}

export async function insertItem(
  tx: Tx,
  values: {
    organizationId: string;
    contentTypeId: string;
    title: string;
    data: Record<string, unknown>;
    status: ContentStatus;
    publishedAt: PublishedAt;
    createdBy: string | null;
  },
): Promise<typeof contentItems.$inferSelect> {
  const [row] = await tx
    .insert(contentItems)
    .values({ ...values, publishedAt: publishedAtValue(values.publishedAt) })
    .returning();
  return row!;
}

export async function updateItem(
  tx: Tx,
  id: string,
  changes: {
    title?: string;
    contentTypeId?: string;
    data?: Record<string, unknown>;
    status?: ContentStatus;
    publishedAt?: PublishedAt;
  },
): Promise<typeof contentItems.$inferSelect> {
  const { publishedAt, ...rest } = changes;
  const [row] = await tx
    .update(contentItems)
    .set({ ...rest, publishedAt: publishedAtValue(publishedAt), updatedAt: sql`now()` })
    .where(eq(contentItems.id, id))
    .returning();
  return row!;
}

export async function deleteItem(tx: Tx, id: string): Promise<void> {
  await tx.delete(contentItems).where(eq(contentItems.id, id));
}
