import { and, asc, count, eq, gt, sql } from 'drizzle-orm';
import { contentItems, contentTypes, siteItemMappings } from '../db/schema/index.js';
import type { Tx } from '../db/types.js';

export type ContentTypeRow = typeof contentTypes.$inferSelect;

export function listTypes(tx: Tx): Promise<ContentTypeRow[]> {
  return tx.select().from(contentTypes).orderBy(asc(contentTypes.name), asc(contentTypes.slug));
}

/**
 * `lock`: 'update' while changing or deleting the type, 'share' while writing an item of it. The two conflict,
 * so an item cannot be saved against a schema that is being replaced, nor added to a type being deleted.
 */
export async function findType(
  tx: Tx,
  id: string,
  lock?: 'update' | 'share',
): Promise<ContentTypeRow | undefined> {
  const query = tx.select().from(contentTypes).where(eq(contentTypes.id, id));
  const [row] = await (lock ? query.for(lock) : query);
  return row;
}

export async function insertType(
  tx: Tx,
  values: { organizationId: string; name: string; slug: string; schema: Record<string, unknown> },
): Promise<ContentTypeRow> {
  const [row] = await tx.insert(contentTypes).values(values).returning();
  return row!;
}

export async function updateType(
  tx: Tx,
  id: string,
  changes: { name?: string; slug?: string; schema?: Record<string, unknown> },
): Promise<ContentTypeRow> {
  const [row] = await tx
    .update(contentTypes)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(contentTypes.id, id))
    .returning();
  return row!;
}

export async function deleteType(tx: Tx, id: string): Promise<void> {
  await tx.delete(contentTypes).where(eq(contentTypes.id, id));
}

export async function countItemsOfType(tx: Tx, id: string): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(contentItems).where(eq(contentItems.contentTypeId, id));
  return Number(row?.n ?? 0);
}

export type ItemToCheck = Pick<typeof contentItems.$inferSelect, 'id' | 'title' | 'data'>;

/** The items of a type in batches (by id), so checking a schema change never holds them all in memory. */
export async function* itemsOfType(tx: Tx, typeId: string, batchSize = 500): AsyncGenerator<ItemToCheck> {
  let after: string | undefined;
  for (;;) {
    const batch = await tx
      .select({ id: contentItems.id, title: contentItems.title, data: contentItems.data })
      .from(contentItems)
      .where(and(eq(contentItems.contentTypeId, typeId), after ? gt(contentItems.id, after) : undefined))
      .orderBy(asc(contentItems.id))
      .limit(batchSize);
    yield* batch;
    if (batch.length < batchSize) return;
    after = batch.at(-1)!.id;
  }
}

/** The `override` mappings of a type's items with the item data: what sites receive must satisfy the schema too. */
export function overridesOfType(tx: Tx, typeId: string) {
  return tx
    .select({
      id: contentItems.id,
      title: contentItems.title,
      data: contentItems.data,
      siteId: siteItemMappings.siteId,
      overrides: siteItemMappings.overrides,
    })
    .from(siteItemMappings)
    .innerJoin(contentItems, eq(contentItems.id, siteItemMappings.contentItemId))
    .where(and(eq(contentItems.contentTypeId, typeId), eq(siteItemMappings.mode, 'override')))
    .orderBy(asc(contentItems.id), asc(siteItemMappings.siteId));
}
