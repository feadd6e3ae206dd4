import { and, asc, eq, sql } from 'drizzle-orm';
import { contentItems, contentTypes, siteItemMappings } from '../db/schema/index.js';
import type { MappingMode } from '../db/schema/sites.js';
import type { Tx } from '../db/types.js';

export type MappingRow = typeof siteItemMappings.$inferSelect;

export function listMappings(
  tx: Tx,
  filter: { siteId?: string; contentItemId?: string },
): Promise<MappingRow[]> {
  return tx
    .select()
    .from(siteItemMappings)
    .where(
      and(
        filter.siteId ? eq(siteItemMappings.siteId, filter.siteId) : undefined,
        filter.contentItemId ? eq(siteItemMappings.contentItemId, filter.contentItemId) : undefined,
      ),
    )
    .orderBy(asc(siteItemMappings.createdAt), asc(siteItemMappings.id));
}

export async function findMapping(
  tx: Tx,
  siteId: string,
  contentItemId: string,
): Promise<MappingRow | undefined> {
  const [row] = await tx
    .select()
    .from(siteItemMappings)
    .where(and(eq(siteItemMappings.siteId, siteId), eq(siteItemMappings.contentItemId, contentItemId)));
  return row;
}

/** The item with its type's schema, for validating overrides against it. */
export async function findItemWithSchema(tx: Tx, itemId: string) {
  const [row] = await tx
    .select({ id: contentItems.id, data: contentItems.data, schema: contentTypes.schema })
    .from(contentItems)
    .innerJoin(contentTypes, eq(contentTypes.id, contentItems.contentTypeId))
    .where(eq(contentItems.id, itemId));
  return row;
}

/** Insert or update by (site, item); the organization comes from the transaction's tenant. */
export async function upsertMapping(
  tx: Tx,
  values: {
    organizationId: string;
    siteId: string;
    contentItemId: string;
    mode: MappingMode;
    overrides: Record<string, unknown>;
  },
): Promise<MappingRow> {
  const [row] = await tx
    .insert(siteItemMappings)
    .values(values)
    .onConflictDoUpdate({
      target: [siteItemMappings.organizationId, siteItemMappings.siteId, siteItemMappings.contentItemId],
      set: { mode: values.mode, overrides: values.overrides, updatedAt: sql`now()` },
    })
    .returning();
  return row!;
}

export async function deleteMapping(tx: Tx, id: string): Promise<MappingRow | undefined> {
  const [row] = await tx.delete(siteItemMappings).where(eq(siteItemMappings.id, id)).returning();
  return row;
}
